import { readFileSync } from "node:fs";
import * as v from "valibot";
import { ConfigError } from "../../config/config.ts";
import { FeedIdSchema, issuePath, PRIORITIES, THREAT_LEVELS } from "../../protocol/message.ts";
import { parseJsonSafe } from "../../security/safe-json.ts";
import { INDICATOR_TYPES, LevelRulesSchema } from "../indicators/mod.ts";
import { JsonMappingSchema } from "../parsers/mod.ts";

/**
 * The feeds file (FEEDS_FILE): every source the node polls or takes webhooks from. Validated whole at
 * start; the first bad field stops the server with one line naming its path (`feeds[2].taxii.collection`).
 */
export const FEED_SOURCE_KINDS = ["rss", "json", "stix", "taxii", "misp", "kev", "webhook"] as const;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be ≥ ${min}`),
    v.maxValue(max, `must be ≤ ${max}`),
  );
const HttpUrl = v.pipe(
  v.string(),
  v.url("must be an absolute URL"),
  v.check((s) => /^https?:\/\//i.test(s), "must be an http(s) URL"),
);
const HeaderName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "not a header name"));
const HeaderValue = v.pipe(
  v.string(),
  v.maxLength(8192),
  v.check((s) => !/[\r\n\0]/.test(s), "must not contain line breaks"),
);
const Regex = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(512),
  v.check((s) => {
    try {
      new RegExp(s, "i");
      return true;
    } catch {
      return false;
    }
  }, "not a valid regular expression"),
);

const AuthSchema = v.union(
  [
    v.strictObject({ bearer: HeaderValue }),
    v.strictObject({ basic: v.strictObject({ username: HeaderValue, password: HeaderValue }) }),
    v.strictObject({ header: v.strictObject({ name: HeaderName, value: HeaderValue }) }),
  ],
  'must be {"bearer"}, {"basic": {"username","password"}} or {"header": {"name","value"}}',
);

/** A priority rule matches the finished threat payload; the first match decides. */
const PriorityRuleSchema = v.strictObject({
  when: v.strictObject({
    level: v.optional(v.union([v.picklist(THREAT_LEVELS), v.array(v.picklist(THREAT_LEVELS))])),
    titleMatches: v.optional(Regex),
    textMatches: v.optional(Regex),
    hasIndicator: v.optional(v.picklist(INDICATOR_TYPES)),
  }),
  priority: v.picklist(PRIORITIES),
});

const FeedSchema = v.strictObject({
  id: FeedIdSchema,
  kind: v.picklist(FEED_SOURCE_KINDS, `must be one of ${FEED_SOURCE_KINDS.join(", ")}`),
  /** Shown as the payload's `source`; the feed id when absent. */
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
  url: v.optional(HttpUrl),
  /** Seconds between polls. */
  interval: v.optional(int(1, 7 * 24 * 3600), 300),
  headers: v.optional(v.record(HeaderName, HeaderValue), {}),
  auth: v.optional(AuthSchema),
  mapping: v.optional(JsonMappingSchema),
  levelRules: v.optional(LevelRulesSchema, []),
  defaultLevel: v.optional(v.picklist(THREAT_LEVELS), "info"),
  confidence: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  priority: v.optional(
    v.strictObject({
      rules: v.optional(v.pipe(v.array(PriorityRuleSchema), v.maxLength(100)), []),
      /** The priority when no rule matches, instead of the one the level maps to. */
      default: v.optional(v.picklist(PRIORITIES)),
    }),
    { rules: [] },
  ),
  /** Requests per second to the source (polls), or deliveries per second taken (webhooks). */
  rateLimit: v.optional(
    v.strictObject({
      rate: v.pipe(v.number(), v.minValue(0.001), v.maxValue(100_000)),
      burst: int(1, 100_000),
    }),
  ),
  timeoutMs: v.optional(int(100, 600_000), 30_000),
  maxBytes: v.optional(int(1024, 512 * 1024 * 1024), 16 * 1024 * 1024),
  /** Seconds a message stays relevant; it is not replayed after. */
  ttl: v.optional(int(0), 7 * 24 * 3600),
  breaker: v.optional(
    v.strictObject({
      failureThreshold: v.optional(int(1, 1000), 5),
      openMs: v.optional(int(1, 86_400_000), 60_000),
      successThreshold: v.optional(int(1, 100), 1),
    }),
    {},
  ),
  retry: v.optional(
    v.strictObject({
      attempts: v.optional(int(1, 10), 3),
      baseMs: v.optional(int(1, 600_000), 1_000),
      capMs: v.optional(int(1, 600_000), 10_000),
    }),
    {},
  ),
  taxii: v.optional(
    v.strictObject({
      collection: v.pipe(v.string(), v.regex(/^[A-Za-z0-9._~-]{1,128}$/, "not a collection id")),
      /** Where the first poll starts (RFC 3339); everything the collection holds when absent. */
      addedAfter: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an RFC 3339 timestamp"))),
      limit: v.optional(int(1, 10_000)),
      /** Pages fetched per poll at most; the cursor resumes the rest next time. */
      maxPages: v.optional(int(1, 10_000), 100),
    }),
  ),
  misp: v.optional(v.strictObject({ maxEvents: v.optional(int(1, 100_000), 500) }), {}),
  enabled: v.optional(v.boolean(), true),
});

const FeedsFileSchema = v.strictObject({ feeds: v.pipe(v.array(FeedSchema), v.maxLength(1000)) });

export type FeedConfig = v.InferOutput<typeof FeedSchema>;
export type FeedSourceKind = FeedConfig["kind"];
export type PriorityRule = v.InferOutput<typeof PriorityRuleSchema>;

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Secrets in the file may be written `"env:NAME"` so the file itself holds none; resolved here, once.
 * Only header values and credentials are resolved: nowhere else could a secret belong.
 */
function resolveSecrets(feed: FeedConfig, path: string, env: Record<string, string | undefined>): void {
  const get = (value: string, at: string): string => {
    const m = ENV_REF.exec(value);
    if (m === null) return value;
    const found = env[m[1]!];
    if (found === undefined || found === "")
      throw new ConfigError(`${at}: environment variable ${m[1]} is not set`);
    return found;
  };
  for (const [k, val] of Object.entries(feed.headers)) feed.headers[k] = get(val, `${path}.headers.${k}`);
  const a = feed.auth;
  if (a === undefined) return;
  if ("bearer" in a) a.bearer = get(a.bearer, `${path}.auth.bearer`);
  else if ("basic" in a) {
    a.basic.username = get(a.basic.username, `${path}.auth.basic.username`);
    a.basic.password = get(a.basic.password, `${path}.auth.basic.password`);
  } else a.header.value = get(a.header.value, `${path}.auth.header.value`);
}

/** Rules that span fields, checked after the schema so each message names the field to fix. */
function crossCheck(feed: FeedConfig, path: string): void {
  const need = (ok: boolean, field: string, why: string) => {
    if (!ok) throw new ConfigError(`${path}.${field}: ${why}`);
  };
  need(feed.kind === "webhook" || feed.url !== undefined, "url", `required for kind "${feed.kind}"`);
  need(feed.kind !== "webhook" || feed.url === undefined, "url", "a webhook feed is pushed to, not polled");
  need(
    (feed.kind !== "json" && feed.kind !== "webhook") || feed.mapping !== undefined,
    "mapping",
    `required for kind "${feed.kind}"`,
  );
  need(feed.kind === "taxii" || feed.taxii === undefined, "taxii", 'only for kind "taxii"');
  need(
    feed.kind !== "taxii" || feed.taxii !== undefined,
    "taxii",
    'required for kind "taxii" ({"collection"})',
  );
  need(feed.retry.capMs >= feed.retry.baseMs, "retry.capMs", "must be ≥ retry.baseMs");
}

/**
 * Validates the parsed feeds document.
 * @throws ConfigError with one line: `feeds[1].interval: must be ≥ 1`.
 */
export function parseFeedsConfig(input: unknown, env: Record<string, string | undefined> = {}): FeedConfig[] {
  const r = v.safeParse(FeedsFileSchema, input);
  if (!r.success) {
    const issue = r.issues[0];
    const path = issuePath(issue);
    throw new ConfigError(`${path === "" ? "(root)" : path}: ${issue.message}`);
  }
  const seen = new Set<string>();
  r.output.feeds.forEach((feed, i) => {
    const path = `feeds[${i}]`;
    if (seen.has(feed.id)) throw new ConfigError(`${path}.id: duplicate feed id "${feed.id}"`);
    seen.add(feed.id);
    crossCheck(feed, path);
    resolveSecrets(feed, path, env);
  });
  return r.output.feeds;
}

/** Reads and validates FEEDS_FILE; every failure is one ConfigError line starting with the file name. */
export function loadFeedsFile(file: string, env: Record<string, string | undefined> = {}): FeedConfig[] {
  let parsed: unknown;
  try {
    parsed = parseJsonSafe(readFileSync(file), { forbiddenKeys: "reject" });
  } catch (e) {
    throw new ConfigError(`FEEDS_FILE ${file}: ${(e as Error).message}`);
  }
  try {
    return parseFeedsConfig(parsed, env);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`FEEDS_FILE ${file}: ${e.message}`);
    throw e;
  }
}
