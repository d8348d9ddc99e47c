import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Config, ConfigError } from "../config/config.ts";
import type { Logger } from "../observability/log.ts";
import { ErrorCode, TacError } from "../protocol/errors.ts";
import type { AccessControl, Caller } from "../server/access.ts";
import type { EventBus } from "../server/events.ts";
import { AuditLog, fileAuditSink } from "./audit.ts";
import { ConnectionLimits } from "./connection-limits.ts";
import { createPayloadCipher, type PayloadCipher, parseEncryptionKeys } from "./encryption.ts";
import { readKeyLedger, removedKeys, writeKeyLedger } from "./key-ledger.ts";
import { createOriginPolicy, type OriginPolicy } from "./origin.ts";
import { productionProblems } from "./production.ts";
import { AuthError } from "./token-error.ts";
import { extractToken } from "./token-source.ts";
import { createTokenVerifier, type TokenVerifier, type TokenVerifierConfig } from "./tokens.ts";
import { createWebhookVerifier, type WebhookVerifier } from "./webhook-signature.ts";

export interface Security {
  access: AccessControl;
  origin: OriginPolicy;
  cipher?: PayloadCipher;
  audit?: AuditLog;
  close(): Promise<void>;
}

/** A ConfigError, so every entry prints it as the one line that stops the server. */
export class SecurityConfigError extends ConfigError {}

/**
 * Builds the node's security from its configuration: token verification, per-feed grants, signed
 * webhooks, origin policy, connection admission, encryption at rest and the audit log. In production
 * it refuses to start while anything docs/security.md requires is missing — one line says what.
 */
export async function createSecurity(
  config: Config,
  log: Logger,
  events: EventBus,
  now = Date.now,
): Promise<Security> {
  const tokenConfig = tokenKeys(config);
  const production = config.NODE_ENV === "production";
  const auditWritable = config.AUDIT_LOG === undefined ? undefined : canAppend(config.AUDIT_LOG);
  const problems = productionProblems({
    auth: tokenConfig !== undefined,
    requireExp: config.TOKEN_REQUIRE_EXP,
    allowQueryToken: config.TOKEN_IN_QUERY,
    allowedOrigins: config.ALLOWED_ORIGINS,
    encryption: config.ENCRYPTION_KEYS !== undefined,
    audit: config.AUDIT_LOG !== undefined,
    metricsToken: config.METRICS_TOKEN !== undefined,
    clockToleranceSec: config.TOKEN_CLOCK_TOLERANCE,
    secrets: production ? configuredSecrets(config) : [],
    ...(auditWritable === undefined ? {} : { auditWritable }),
  });
  if (production && problems.length > 0) {
    throw new SecurityConfigError(`NODE_ENV=production refuses to start: ${problems.join("; ")}`);
  }
  if (auditWritable === false) log.warn("AUDIT_LOG cannot be opened for writing: audit events will be lost");
  let verify: TokenVerifier | undefined;
  try {
    verify = tokenConfig === undefined ? undefined : await createTokenVerifier(tokenConfig);
  } catch (e) {
    throw new SecurityConfigError(`token configuration: ${(e as Error).message}`);
  }
  if (verify === undefined) log.warn("AUTH DISABLED: anyone can publish and subscribe (set TOKEN_SECRET)");

  const origin = createOriginPolicy(config.ALLOWED_ORIGINS);
  const limits = new ConnectionLimits({
    now,
    perIpRate: config.CONNECTIONS_PER_IP_PER_SECOND,
    perIpBurst: config.CONNECTIONS_PER_IP_PER_SECOND * 2,
    maxPerSubject: config.MAX_CONNECTIONS_PER_SUBJECT,
  });
  const webhooks = parseWebhookSecrets(config.WEBHOOK_SECRETS, now);
  const audit =
    config.AUDIT_LOG === undefined
      ? undefined
      : new AuditLog({
          sink: fileAuditSink(config.AUDIT_LOG),
          now,
          onError: (err) => log.error("audit write failed", { err }),
        });
  const cipher =
    config.ENCRYPTION_KEYS === undefined ? undefined : await createPayloadCipher(config.ENCRYPTION_KEYS);
  if (config.ENCRYPTION_KEYS !== undefined) warnRemovedKeys(config, config.ENCRYPTION_KEYS, log, now());

  const reject = (err: unknown, ip: string, route: string): never => {
    const reason = err instanceof AuthError ? err.reason : "error";
    events.emit("authReject", { reason, ip });
    audit?.log({ event: "auth_failure", reason, ip, route });
    throw err;
  };
  const anyone: Caller = { sub: "anonymous", canSubscribe: () => true, canPublish: () => true };
  // The address is only needed to log a refusal; with auth off there is nothing to refuse.
  const authenticateLazily = async (req: Request, ip: () => string): Promise<Caller> => {
    if (verify === undefined) return anyone;
    const found = extractToken(req, { allowQuery: config.TOKEN_IN_QUERY });
    try {
      return await verify(found?.token);
    } catch (err) {
      return reject(err, ip(), new URL(req.url).pathname);
    }
  };
  const authenticate = (req: Request, ip: string) => authenticateLazily(req, () => ip);

  events.on("wsOpen", (e) =>
    audit?.log({ event: "connection_open", sub: e.sub, ip: e.ip, connId: String(e.sessionId) }),
  );
  events.on("accessDenied", (e) => {
    events.emit("authReject", { reason: "grant", ip: e.ip });
    audit?.log({
      event: "auth_failure",
      reason: "grant",
      ip: e.ip,
      sub: e.sub,
      route: e.route,
      feedId: e.feedId,
    });
  });
  events.on("wsClose", (e) => {
    audit?.log({
      event: "connection_close",
      sub: e.sub,
      ip: e.ip,
      connId: String(e.sessionId),
      code: e.code,
    });
  });

  const access: AccessControl = {
    mode: verify === undefined ? "disabled" : "jwt",
    authenticate,
    async authorizePublish(req, feedId, body, ip) {
      const webhook = webhooks.get(feedId);
      if (webhook !== undefined) {
        try {
          await webhook.verify(req.headers, await body(), new URL(req.url).pathname);
        } catch (err) {
          // The route the request came by (/v1/feeds/… or /v1/webhooks/…), as for every other refusal.
          return reject(err, ip(), new URL(req.url).pathname);
        }
        return { caller: { ...anyone, sub: `webhook:${feedId}` }, grant: "webhook" };
      }
      const caller = await authenticateLazily(req, ip);
      if (!caller.canPublish(feedId)) {
        events.emit("authReject", { reason: "grant", ip: ip() });
        const route = new URL(req.url).pathname;
        audit?.log({ event: "auth_failure", reason: "grant", ip: ip(), sub: caller.sub, route, feedId });
        throw new TacError(ErrorCode.Forbidden, `not allowed to publish to ${feedId}`, { feedId });
      }
      const grant = (caller as { publish?: { match?(f: string): string | undefined } }).publish?.match?.(
        feedId,
      );
      return { caller, grant: grant ?? "*" };
    },
    admitUpgrade(req, caller, ip) {
      if (!origin.allows(req.headers.get("origin"))) {
        events.emit("authReject", { reason: "origin", ip });
        audit?.log({ event: "auth_failure", reason: "origin", ip, sub: caller.sub, route: "/v1/stream" });
        throw new TacError(ErrorCode.Forbidden, "origin not allowed");
      }
      const sub = verify === undefined ? null : caller.sub;
      const admission = limits.admit(ip, sub);
      if (!admission.ok) {
        events.emit("authReject", { reason: admission.reason, ip });
        throw new TacError(ErrorCode.RateLimited, `too many connections (${admission.reason})`, {
          retryAfter: admission.retryAfter,
        });
      }
      // Once only: the socket's close and a failed open may both try to give the slot back.
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        limits.release(ip, sub);
      };
    },
  };
  if (verify !== undefined) {
    const v = verify;
    access.verify = (token) => v(token);
  }
  const security: Security = { access, origin, close: async () => audit?.close() };
  if (cipher !== undefined) security.cipher = cipher;
  if (audit !== undefined) security.audit = audit;
  return security;
}

function tokenKeys(config: Config): TokenVerifierConfig | undefined {
  const common = {
    clockToleranceSec: config.TOKEN_CLOCK_TOLERANCE,
    requireExp: config.TOKEN_REQUIRE_EXP,
    ...(config.TOKEN_ISSUER === undefined ? {} : { issuer: config.TOKEN_ISSUER }),
    ...(config.TOKEN_AUDIENCE === undefined ? {} : { audience: config.TOKEN_AUDIENCE }),
  };
  try {
    if (config.TOKEN_SECRET !== undefined) return { secret: config.TOKEN_SECRET, ...common };
    if (config.TOKEN_PUBLIC_KEY_FILE !== undefined) {
      const publicKey = readFileSync(config.TOKEN_PUBLIC_KEY_FILE, "utf8");
      return { publicKey, algorithm: config.TOKEN_ALGORITHM, ...common };
    }
    if (config.TOKEN_JWKS_FILE !== undefined) {
      return { jwks: JSON.parse(readFileSync(config.TOKEN_JWKS_FILE, "utf8")), ...common };
    }
  } catch (e) {
    throw new SecurityConfigError(`token key file: ${(e as Error).message}`);
  }
  return undefined;
}

/** `feed:secret|oldsecret,feed2:secret` → a verifier per feed. */
function parseWebhookSecrets(spec: string | undefined, now: () => number): Map<string, WebhookVerifier> {
  const out = new Map<string, WebhookVerifier>();
  if (spec === undefined || spec === "") return out;
  for (const entry of spec.split(",")) {
    const i = entry.indexOf(":");
    const feed = entry.slice(0, i).trim();
    const secrets = entry
      .slice(i + 1)
      .split("|")
      .map((s) => s.trim())
      .filter(Boolean);
    if (i <= 0 || secrets.length === 0)
      throw new SecurityConfigError(`WEBHOOK_SECRETS: bad entry "${feed}:…"`);
    out.set(feed, createWebhookVerifier({ secrets, now }));
  }
  return out;
}

/** Whether the audit file can be opened for appending now: refused in production, warned otherwise. */
function canAppend(path: string): boolean {
  try {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(path, "a", 0o600));
    return true;
  } catch {
    return false;
  }
}

/** Minimum length of a webhook secret: HMAC keys shorter than this can be guessed offline. */
const MIN_WEBHOOK_SECRET_BYTES = 16;

/** Every secret of the configuration, named as its variable, for the production strength check. */
function configuredSecrets(config: Config): { name: string; bytes: Uint8Array; minBytes: number }[] {
  const utf8 = new TextEncoder();
  const out: { name: string; bytes: Uint8Array; minBytes: number }[] = [];
  if (config.TOKEN_SECRET !== undefined) {
    out.push({ name: "TOKEN_SECRET", bytes: utf8.encode(config.TOKEN_SECRET), minBytes: 32 });
  }
  for (const entry of (config.WEBHOOK_SECRETS ?? "").split(",")) {
    const i = entry.indexOf(":");
    if (i <= 0) continue;
    for (const secret of entry.slice(i + 1).split("|")) {
      if (secret.trim() === "") continue;
      out.push({
        name: `WEBHOOK_SECRETS (feed ${entry.slice(0, i).trim()})`,
        bytes: utf8.encode(secret.trim()),
        minBytes: MIN_WEBHOOK_SECRET_BYTES,
      });
    }
  }
  if (config.ENCRYPTION_KEYS !== undefined) {
    let keys: { kid: string; key: Uint8Array }[] = [];
    try {
      keys = parseEncryptionKeys(config.ENCRYPTION_KEYS);
    } catch {
      // A malformed value is refused, with its reason, by createPayloadCipher below.
    }
    for (const { kid, key } of keys)
      out.push({ name: `ENCRYPTION_KEYS (key ${kid})`, bytes: key, minBytes: 32 });
  }
  return out;
}

/**
 * Warns at start about encryption keys configured before but removed since: messages sealed with them
 * are skipped by replays and the tail until retention expires them. The key ids (never the keys) are kept
 * in DATA_DIR, so only a node that saw the key before can tell.
 */
function warnRemovedKeys(config: Config, spec: string, log: Logger, now: number): void {
  const path = `${config.DATA_DIR}/encryption-keys.json`;
  const kids = parseEncryptionKeys(spec).map((k) => k.kid);
  const { removed, ledger } = removedKeys(
    readKeyLedger(path),
    kids,
    now,
    config.RETENTION_MAX_AGE_SECONDS * 1000,
  );
  for (const kid of removed) {
    log.warn(
      "encryption key removed from ENCRYPTION_KEYS: messages sealed with it cannot be served (DAMAGED_RECORD)",
      { kid },
    );
  }
  const failed = writeKeyLedger(path, ledger);
  if (failed !== undefined) log.warn("cannot record encryption key ids", { err: failed.message });
}
