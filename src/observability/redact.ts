/**
 * Redaction for logs: no token, secret or password ever reaches a log line, whatever a caller passes.
 * Applied to every value while a line is serialised: by key name (anything that names a credential) and
 * by shape (JWTs, `Bearer …`, `?token=…` in URLs), so a secret hidden in an error message is caught too.
 */

export const REDACTED = "[redacted]";

/** Key names, lower-cased with `-`/`_` removed, that hold credentials. */
const SECRET_KEY_PARTS = [
  "token",
  "authorization",
  "secret",
  "password",
  "passwd",
  "passphrase",
  "cookie",
  "credential",
  "apikey",
  "privatekey",
  "signature",
];

const verdicts = new Map<string, boolean>();

export function isSecretKey(key: string): boolean {
  let v = verdicts.get(key);
  if (v === undefined) {
    const k = key.toLowerCase().replace(/[-_]/g, "");
    v = k.endsWith("key") || SECRET_KEY_PARTS.some((part) => k.includes(part));
    // Field names come from code, not input, so the cache stays small; bounded all the same.
    if (verdicts.size < 10_000) verdicts.set(key, v);
  }
  return v;
}

// Three base64url segments, the first two starting with "eyJ" (`{"`): a JWT/JWS, signed or not.
const JWT_RE = /eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const BEARER_RE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const QUERY_RE =
  /([?&;](?:access_token|token|api[_-]?key|key|secret|password|signature|sig|auth)=)[^&#\s"']+/gi;

/** Replaces anything shaped like a credential inside a free-form string. */
export function redactString(s: string): string {
  if (s.length < 8) return s;
  return s.replace(JWT_RE, REDACTED).replace(BEARER_RE, `$1 ${REDACTED}`).replace(QUERY_RE, `$1${REDACTED}`);
}

/**
 * A `JSON.stringify` replacer: redacts by key and by shape, and turns errors into plain objects (their
 * message and cause are redacted like everything else).
 */
export function redactReplacer(key: string, value: unknown): unknown {
  if (key !== "" && isSecretKey(key) && value !== undefined && value !== null) {
    if (typeof value !== "boolean" && typeof value !== "number") return REDACTED;
  }
  if (typeof value === "string") return redactString(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.cause !== undefined) out.cause = value.cause;
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}
