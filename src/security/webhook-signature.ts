import { LruMap } from "../resilience/lru.ts";
import type { Now } from "../resilience/types.ts";
import { asBufferSource, concatBytes, fromHex, timingSafeEqual, toHex } from "./bytes.ts";
import { WEBHOOK_TOLERANCE_SEC } from "./replay-window.ts";
import { AuthError } from "./token-error.ts";

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<path>.<raw body>")>` — tacstream's own scheme. The
 * path binds the signature to one feed, so feeds sharing a secret cannot replay each other's deliveries.
 */
export const SIGNATURE_HEADER = "x-tacstream-signature";
/** `sha256=<hex HMAC-SHA256(secret, raw body)>` — GitHub's scheme, accepted as is. */
export const GITHUB_SIGNATURE_HEADER = "x-hub-signature-256";

export type WebhookScheme = "tacstream" | "github";

export interface WebhookVerifierOptions {
  /** Every secret currently valid for this source; more than one during a rotation. */
  secrets: readonly (string | Uint8Array)[];
  now: Now;
  /** How far a `t=` may be from now, either way (default 300 s). */
  toleranceSec?: number;
  /**
   * Signatures remembered to refuse replays (default 50,000; least recently seen forgotten first). A
   * signature is remembered until its timestamp leaves the window, up to 10 minutes: size this to at least
   * the source's peak requests per second × 600.
   */
  replayCacheSize?: number;
  /** Accept `X-Hub-Signature-256` (default true). */
  allowGithub?: boolean;
}

export interface VerifiedWebhook {
  scheme: WebhookScheme;
  /** Which of the configured secrets signed it (tells an operator when the old one is unused). */
  secretIndex: number;
  /** The signed `t=` (tacstream scheme only). */
  timestamp?: number;
}

export interface WebhookVerifier {
  /**
   * @param body - the raw request body exactly as received: a re-serialised JSON body would not match.
   * @throws AuthError (UNAUTHORIZED) with reason "missing", "malformed", "expired" (timestamp outside
   *   the window), "bad_signature" or "replay".
   * @param path - the request's URL path, bound into the tacstream scheme (GitHub's cannot bind it: there
   *   the per-feed secret is what ties a delivery to its feed).
   */
  verify(
    headers: { get(name: string): string | null },
    body: Uint8Array | string,
    path?: string,
  ): Promise<VerifiedWebhook>;
}

const encoder = new TextEncoder();
const MAX_V1 = 8;

function hmacKey(secret: string | Uint8Array): Promise<CryptoKey> {
  const raw = typeof secret === "string" ? encoder.encode(secret) : asBufferSource(secret);
  if (raw.byteLength === 0) throw new RangeError("webhook secrets must not be empty");
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

async function hmac(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
}

function parseTacstream(header: string): { t: number; signatures: Uint8Array[] } {
  let t: number | undefined;
  const signatures: Uint8Array[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (name === "v1" && value.length === 64 && signatures.length < MAX_V1) {
      const sig = fromHex(value);
      if (sig !== null) signatures.push(sig);
    }
  }
  if (t === undefined || signatures.length === 0) {
    throw new AuthError("malformed", "signature header must be t=<unix>,v1=<64 hex>");
  }
  return { t, signatures };
}

/**
 * Builds the verifier for one webhook source. Every configured secret's MAC is computed on every request
 * (no early exit), so the response time does not reveal which secret matched or whether any did.
 */
export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  if (options.secrets.length === 0) throw new RangeError("at least one webhook secret is required");
  const keys = Promise.all(options.secrets.map(hmacKey));
  // An import failure surfaces on the first verify; until then it must not be an unhandled rejection.
  keys.catch(() => {});
  const toleranceMs = (options.toleranceSec ?? WEBHOOK_TOLERANCE_SEC) * 1000;
  const allowGithub = options.allowGithub ?? true;
  // Signature (under the first secret) → when it leaves the window and can no longer be replayed anyway.
  const seen = new LruMap<string, number>(options.replayCacheSize ?? 50_000);

  async function check(signed: Uint8Array<ArrayBuffer>, given: Uint8Array[]) {
    const macs = await Promise.all((await keys).map((k) => hmac(k, signed)));
    let secretIndex = -1;
    macs.forEach((mac, i) => {
      for (const sig of given) if (timingSafeEqual(mac, sig) && secretIndex === -1) secretIndex = i;
    });
    return { secretIndex, replayKey: toHex(macs[0] as Uint8Array) };
  }

  function remember(replayKey: string, expiresAt: number, now: number): void {
    const until = seen.peek(replayKey);
    if (until !== undefined && until > now) throw new AuthError("replay", "webhook signature already used");
    seen.set(replayKey, expiresAt);
  }

  return {
    async verify(headers, body, path = "") {
      const raw = typeof body === "string" ? encoder.encode(body) : body;
      const ours = headers.get(SIGNATURE_HEADER);
      if (ours !== null) {
        const { t, signatures } = parseTacstream(ours);
        if (Math.abs(options.now() - t * 1000) > toleranceMs) {
          throw new AuthError("expired", `signature timestamp outside the ${toleranceMs / 1000} s window`);
        }
        const { secretIndex, replayKey } = await check(signedMaterial(t, path, raw), signatures);
        if (secretIndex < 0) throw new AuthError("bad_signature", "webhook signature does not match");
        // Checked after the awaits, in one synchronous step, so two concurrent copies cannot both pass.
        const now = options.now();
        remember(`t:${replayKey}`, t * 1000 + toleranceMs, now);
        return { scheme: "tacstream", secretIndex, timestamp: t };
      }
      const github = allowGithub ? headers.get(GITHUB_SIGNATURE_HEADER) : null;
      if (github !== null) {
        const sig = github.startsWith("sha256=") && github.length === 71 ? fromHex(github.slice(7)) : null;
        if (sig === null) throw new AuthError("malformed", "X-Hub-Signature-256 must be sha256=<64 hex>");
        const { secretIndex, replayKey } = await check(asBufferSource(raw), [sig]);
        if (secretIndex < 0) throw new AuthError("bad_signature", "webhook signature does not match");
        // GitHub signs no timestamp: an identical delivery is refused for one window, not forever.
        const now = options.now();
        remember(`g:${replayKey}`, now + toleranceMs, now);
        return { scheme: "github", secretIndex };
      }
      throw new AuthError("missing", `${SIGNATURE_HEADER} header required`);
    },
  };
}

function signedMaterial(t: number, path: string, raw: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(encoder.encode(`${t}.${path}.`), raw);
}

/**
 * The `X-Tacstream-Signature` value for `body` POSTed to `path` (e.g. `/v1/feeds/<id>/messages`) at unix
 * time `t` (seconds) — for clients and tests.
 * @example `curl -H "X-Tacstream-Signature: $(…)" --data-binary @body.json …` (see docs/security.md)
 */
export async function signWebhook(
  secret: string | Uint8Array,
  body: Uint8Array | string,
  t: number,
  path = "",
): Promise<string> {
  const raw = typeof body === "string" ? encoder.encode(body) : body;
  const mac = await hmac(await hmacKey(secret), signedMaterial(t, path, raw));
  return `t=${t},v1=${toHex(mac)}`;
}

/** The `X-Hub-Signature-256` value GitHub would send for `body`. */
export async function signGithubWebhook(
  secret: string | Uint8Array,
  body: Uint8Array | string,
): Promise<string> {
  const raw = typeof body === "string" ? encoder.encode(body) : body;
  return `sha256=${toHex(await hmac(await hmacKey(secret), asBufferSource(raw)))}`;
}
