import { readFileSync } from "node:fs";
import * as v from "valibot";
import { nearMissWarnings } from "./near-miss.ts";

/**
 * Configuration: environment variables, optionally over a JSON file named by CONFIG_FILE (same keys).
 * Validated once at start; a bad value stops the server with one line naming the variable.
 */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.union([v.string(), v.number()]),
    v.transform((x) => (typeof x === "number" ? x : x.trim() === "" ? Number.NaN : Number(x))),
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be ≥ ${min}`),
    v.maxValue(max, `must be ≤ ${max}`),
  );
const str = v.pipe(v.string(), v.trim());
const bool = v.pipe(
  v.union([v.boolean(), v.picklist(["true", "false", "1", "0"], "must be true or false")]),
  v.transform((x) => x === true || x === "true" || x === "1"),
);
const list = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  ),
);

export const ConfigSchema = v.object({
  PORT: v.optional(int(0, 65535), 8080),
  HOST: v.optional(str, "0.0.0.0"),
  DATA_DIR: v.optional(str, "./data"),
  NATS_URL: v.optional(str),
  NATS_STREAM: v.optional(
    v.pipe(str, v.regex(/^[A-Za-z0-9_-]+$/, "must be a NATS stream name")),
    "TACSTREAM",
  ),
  NATS_REPLICAS: v.optional(int(1, 5), 1),
  /** Regions (docs/regions.md): read a local mirror of NATS_STREAM, which lives in NATS_PRIMARY_DOMAIN. */
  NATS_MIRROR: v.optional(v.pipe(str, v.regex(/^[A-Za-z0-9_-]+$/, "must be a NATS stream name"))),
  NATS_PRIMARY_DOMAIN: v.optional(
    v.pipe(str, v.regex(/^[A-Za-z0-9_-]+$/, "must be a JetStream domain name")),
  ),
  /** Group commit to JetStream (docs/jetstream.md): every node of a stream must set the same. */
  NATS_GROUP_COMMIT: v.optional(bool, false),
  NATS_USER: v.optional(str),
  NATS_PASSWORD: v.optional(v.string()),
  NATS_TOKEN: v.optional(v.string()),
  JOURNAL_FSYNC: v.optional(v.picklist(["always", "interval"], 'must be "always" or "interval"'), "always"),
  JOURNAL_FSYNC_INTERVAL_MS: v.optional(int(1, 60_000), 100),
  /**
   * 0 (default): every fsync on the thread pool, so a slow disk never stops fan-out. Above 0, opt-in:
   * fsync on the event loop while it takes at most this long (blocks the loop meanwhile).
   */
  JOURNAL_INLINE_FSYNC_MAX_MS: v.optional(int(0, 1000), 0),
  /** Zeros written ahead of the active segment's records so appends do not grow the file (0: off). */
  JOURNAL_PREALLOCATE_BYTES: v.optional(int(0, 64 * 1024 * 1024), 1024 * 1024),
  RETENTION_MAX_MESSAGES: v.optional(int(0), 1_000_000),
  RETENTION_MAX_AGE_SECONDS: v.optional(int(0), 7 * 24 * 3600),
  RETENTION_MAX_BYTES: v.optional(int(0), 0),
  MAX_PAYLOAD: v.optional(int(1024, 64 * 1024 * 1024), 1024 * 1024),
  MAX_BATCH: v.optional(int(1, 100_000), 1000),
  /** Ingest requests admitted at once; more get 503 + Retry-After instead of queueing (docs/architecture.md). */
  INGEST_MAX_IN_FLIGHT: v.optional(int(1, 1_000_000), 512),
  /** Body bytes of admitted ingest requests (declared Content-Length, MAX_PAYLOAD when undeclared). */
  INGEST_MAX_IN_FLIGHT_BYTES: v.optional(int(1024), 64 * 1024 * 1024),
  HEARTBEAT_INTERVAL_MS: v.optional(int(100, 3_600_000), 30_000),
  /** How long a SIGTERM drain may take before the process exits anyway (below the platform kill timeout). */
  DRAIN_TIMEOUT_MS: v.optional(int(0, 600_000), 10_000),
  BACKPRESSURE_LIMIT: v.optional(int(64 * 1024), 8 * 1024 * 1024),
  WS_OPS_PER_SECOND: v.optional(int(1, 100_000), 50),
  /** Recently fanned-out frames kept in memory so resumes (and failover storms) skip the journal. */
  RECENT_CACHE_BYTES: v.optional(int(0), 64 * 1024 * 1024),
  /** Replays (subscribes with a `since`) running at once per node; more get UNAVAILABLE + retryAfter. */
  REPLAY_MAX_CONCURRENT: v.optional(int(1, 100_000), 256),
  /** Per connection: replay bytes earned per second; a replay past its budget is paced (docs/protocol.md). */
  WS_REPLAY_BYTES_PER_SECOND: v.optional(int(1024), 2 * 1024 * 1024),
  /** Per connection: replay bytes sent at once before pacing starts (a resume of recent messages fits). */
  WS_REPLAY_BURST_BYTES: v.optional(int(1024), 8 * 1024 * 1024),
  LOG_LEVEL: v.optional(v.picklist(["debug", "info", "warn", "error", "silent"]), "info"),
  ALLOWED_ORIGINS: v.optional(list, "*"),
  // Compared without case (`Production` is production); anything else is refused rather than read as
  // development, which would quietly skip production's checks.
  NODE_ENV: v.optional(
    v.pipe(
      str,
      v.toLowerCase(),
      v.picklist(["development", "production", "test"], 'must be "development", "production" or "test"'),
    ),
    "development",
  ),
  /** The feeds to poll and the webhook mappings (docs/feeds.md). */
  FEEDS_FILE: v.optional(str),
  /** Bearer token required on GET /metrics (open when unset). */
  METRICS_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, "must be at least 16 characters"))),
  /** Take the client address from this header (e.g. `fly-client-ip`) — only behind a proxy that sets it. */
  CLIENT_IP_HEADER: v.optional(v.pipe(str, v.toLowerCase())),
  // Security (docs/security.md)
  TOKEN_SECRET: v.optional(v.pipe(v.string(), v.minLength(32, "must be at least 32 bytes"))),
  TOKEN_PUBLIC_KEY_FILE: v.optional(str),
  TOKEN_ALGORITHM: v.optional(v.picklist(["ES256", "EdDSA", "RS256"]), "ES256"),
  TOKEN_JWKS_FILE: v.optional(str),
  TOKEN_ISSUER: v.optional(str),
  TOKEN_AUDIENCE: v.optional(str),
  TOKEN_REQUIRE_EXP: v.optional(bool, false),
  TOKEN_CLOCK_TOLERANCE: v.optional(int(0, 3600), 5),
  TOKEN_IN_QUERY: v.optional(bool, true),
  /** `feed:secret|oldsecret,feed2:secret` — feeds listed here take signed webhooks. */
  WEBHOOK_SECRETS: v.optional(str),
  /** `kid:base64key,…` — AES-256-GCM at rest; the first key encrypts, all decrypt. */
  ENCRYPTION_KEYS: v.optional(str),
  AUDIT_LOG: v.optional(str),
  TLS_CERT_FILE: v.optional(str),
  TLS_KEY_FILE: v.optional(str),
  MAX_CONNECTIONS_PER_SUBJECT: v.optional(int(1), 100),
  CONNECTIONS_PER_IP_PER_SECOND: v.optional(int(1), 20),
});
export type Config = v.InferOutput<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const KEYS = Object.keys(ConfigSchema.entries);

/**
 * Warnings for environment variables that look like one of ours but are not (`LOG_LEVL`, `JWT_SECRET`):
 * they are ignored, which is easy to miss when the default is quietly used instead.
 */
export function configWarnings(env: Record<string, string | undefined>): string[] {
  return nearMissWarnings(Object.keys(env), [...KEYS, "CONFIG_FILE"]);
}

/** Parses config from an environment-like record (and CONFIG_FILE); throws ConfigError with one line. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const input: Record<string, unknown> = {};
  const file = env.CONFIG_FILE;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`CONFIG_FILE ${file}: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`CONFIG_FILE ${file}: must hold a JSON object`);
    }
    for (const [k, val] of Object.entries(parsed)) {
      if (!KEYS.includes(k)) throw new ConfigError(`CONFIG_FILE ${file}: unknown key ${k}`);
      input[k] = val;
    }
  }
  for (const k of KEYS) {
    const val = env[k];
    if (val !== undefined && val !== "") input[k] = val;
  }
  const res = v.safeParse(ConfigSchema, input);
  if (!res.success) {
    const issue = res.issues[0];
    const key = issue.path?.[0]?.key ?? "config";
    const name = String(key);
    // Secrets never reach a log line, not even a wrong one.
    const shown = /SECRET|KEYS|TOKEN|PASSWORD/.test(name) ? "(hidden)" : JSON.stringify(input[name]);
    throw new ConfigError(`invalid ${name}=${shown}: ${issue.message}`);
  }
  const c = res.output;
  // Regions: a mirror is read from this region and lives off the primary's domain; one without the
  // other has no meaning (docs/regions.md).
  if ((c.NATS_MIRROR === undefined) !== (c.NATS_PRIMARY_DOMAIN === undefined))
    throw new ConfigError("NATS_MIRROR and NATS_PRIMARY_DOMAIN go together (docs/regions.md)");
  if (c.NATS_MIRROR !== undefined && c.NATS_URL === undefined)
    throw new ConfigError("NATS_MIRROR needs NATS_URL (the region's own NATS server)");
  if (c.NATS_MIRROR !== undefined && c.NATS_MIRROR === c.NATS_STREAM)
    throw new ConfigError("NATS_MIRROR must differ from NATS_STREAM (it is this region's copy of it)");
  return c;
}
