import { secretWeakness } from "./secret-strength.ts";

/** The security-relevant settings, as the server's configuration resolves them. */
export interface SecuritySettings {
  /** A token verifier is configured (secret, public key or JWKS). */
  auth: boolean;
  /** Tokens without `exp` are refused. */
  requireExp: boolean;
  /** `?token=` is accepted. */
  allowQueryToken: boolean;
  allowedOrigins: readonly string[];
  /** `ENCRYPTION_KEYS` is set (its content is checked by `parseEncryptionKeys`). */
  encryption: boolean;
  /** An audit sink is configured (file path or cluster stream). */
  audit: boolean;
  /** HS256 secret length in bytes, when HS256 is used. */
  tokenSecretBytes?: number;
  /** `METRICS_TOKEN` is set (else `/metrics` is open to anyone who can reach the port). */
  metricsToken: boolean;
  /** Whether the audit file could be opened for appending at start; undefined without a file. */
  auditWritable?: boolean;
  /** `TOKEN_CLOCK_TOLERANCE` in seconds. */
  clockToleranceSec: number;
  /** Every configured secret, named as its variable (`WEBHOOK_SECRETS (feed x)`), with its minimum length. */
  secrets?: readonly { name: string; bytes: Uint8Array; minBytes: number }[];
}

/** Above this, an expired or stolen token keeps working for too long after `exp`. */
export const MAX_CLOCK_TOLERANCE_SEC = 300;

/**
 * Registrable-looking suffixes under which anyone can register a name. No public-suffix list is shipped;
 * this conservative rule covers the common ones: a generic second level under a two-letter country code
 * (`co.uk`, `com.au`, `org.nz`, `ne.jp`…) and a few well-known shared hosting domains.
 */
const SHARED_SECOND_LEVEL = new Set([
  "co",
  "com",
  "net",
  "org",
  "gov",
  "edu",
  "ac",
  "or",
  "ne",
  "go",
  "ltd",
  "plc",
]);
const SHARED_HOSTING = new Set([
  "github.io",
  "herokuapp.com",
  "vercel.app",
  "netlify.app",
  "pages.dev",
  "fly.dev",
]);

/** Whether `https://*.<base>` would admit sites anyone can register (`*.co.uk`, `*.com`). */
export function isPublicSuffix(base: string): boolean {
  const labels = base.toLowerCase().split(".");
  if (labels.length === 1) return true;
  if (SHARED_HOSTING.has(base.toLowerCase())) return true;
  return labels.length === 2 && SHARED_SECOND_LEVEL.has(labels[0]!) && /^[a-z]{2}$/.test(labels[1]!);
}

function originProblems(origins: readonly string[]): string[] {
  const problems: string[] = [];
  for (const o of origins) {
    if (o === "*") continue;
    if (/^http:\/\//i.test(o)) problems.push(`ALLOWED_ORIGINS entry ${o} is http:// (use https://)`);
    const wildcard = /^[a-z]+:\/\/\*\.([^:/]+)/i.exec(o);
    if (wildcard !== null && isPublicSuffix(wildcard[1]!)) {
      problems.push(`ALLOWED_ORIGINS entry ${o} covers a public suffix (anyone can register under it)`);
    }
  }
  return problems;
}

/**
 * What production mode (`NODE_ENV=production`) refuses to start without — one line per problem, empty
 * when the settings are fit for production. docs/security.md explains each rule.
 */
export function productionProblems(s: SecuritySettings): string[] {
  const problems: string[] = [];
  if (!s.auth)
    problems.push("authentication is off: set TOKEN_SECRET, TOKEN_PUBLIC_KEY_FILE or TOKEN_JWKS_FILE");
  if (s.auth && !s.requireExp) problems.push("tokens without exp are accepted: set TOKEN_REQUIRE_EXP=true");
  if (s.tokenSecretBytes !== undefined && s.tokenSecretBytes < 32) {
    problems.push("TOKEN_SECRET is shorter than 32 bytes");
  }
  if (s.allowQueryToken)
    problems.push("?token= is accepted (tokens end up in logs): set TOKEN_IN_QUERY=false");
  if (s.allowedOrigins.length === 0 || s.allowedOrigins.includes("*")) {
    problems.push("ALLOWED_ORIGINS must list the origins of the browser apps, not *");
  } else problems.push(...originProblems(s.allowedOrigins));
  if (!s.encryption) problems.push("payloads are stored in clear: set ENCRYPTION_KEYS");
  if (!s.audit) problems.push("no audit log: set AUDIT_LOG");
  if (s.auditWritable === false)
    problems.push("AUDIT_LOG cannot be opened for writing (audit events would be lost)");
  if (!s.metricsToken) problems.push("/metrics is open: set METRICS_TOKEN");
  if (s.clockToleranceSec > MAX_CLOCK_TOLERANCE_SEC) {
    problems.push(`TOKEN_CLOCK_TOLERANCE is over ${MAX_CLOCK_TOLERANCE_SEC} seconds`);
  }
  for (const secret of s.secrets ?? []) {
    const weakness = secretWeakness(secret.bytes, secret.minBytes);
    if (weakness !== undefined) problems.push(`${secret.name} ${weakness}`);
  }
  return problems;
}
