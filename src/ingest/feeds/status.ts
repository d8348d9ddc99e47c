import type { CatalogEntry } from "../../hub/catalog.ts";
import type { CircuitSnapshot } from "../../resilience/mod.ts";
import type { FeedConfig, FeedSourceKind } from "./config.ts";
import { safeUrl } from "./fetch.ts";
import type { FeedState } from "./state.ts";

/**
 * - `active`: this node polls the feed; `standby`: another node holds its lease;
 * - `push`: a webhook feed (nothing to poll); `disabled`: `enabled: false` in the feeds file;
 * - `starting`: not polled yet.
 */
export type FeedRole = "starting" | "active" | "standby" | "push" | "disabled";

/**
 * How a scheduled poll ended: `ok` (the source answered and was ingested), `not-modified` (a 304),
 * `error`, `breaker-open` (skipped, circuit open), `standby` (another node holds the lease).
 */
export const POLL_RESULTS = ["ok", "not-modified", "error", "breaker-open", "standby"] as const;
export type PollResult = (typeof POLL_RESULTS)[number];

/** Counters and times of one feed, as the poller keeps them (epoch ms; null for never). */
export interface FeedCounters {
  role: FeedRole;
  lastPollAt: number | null;
  lastSuccessAt: number | null;
  lastDurationMs: number | null;
  polls: number;
  notModified: number;
  /** Polls skipped while the circuit was open. */
  skipped: number;
  itemsEmitted: number;
  duplicates: number;
  /** Items and documents sent to the DLQ. */
  deadLettered: number;
  errors: number;
  consecutiveErrors: number;
  lastError: string | null;
  lastErrorAt: number | null;
  /** Scheduled polls by how they ended (`/metrics`: tacstream_feed_polls_total). */
  results: Record<PollResult, number>;
}

export function newCounters(feed: FeedConfig): FeedCounters {
  return {
    role: !feed.enabled ? "disabled" : feed.kind === "webhook" ? "push" : "starting",
    lastPollAt: null,
    lastSuccessAt: null,
    lastDurationMs: null,
    polls: 0,
    notModified: 0,
    skipped: 0,
    itemsEmitted: 0,
    duplicates: 0,
    deadLettered: 0,
    errors: 0,
    consecutiveErrors: 0,
    lastError: null,
    lastErrorAt: null,
    results: { ok: 0, "not-modified": 0, error: 0, "breaker-open": 0, standby: 0 },
  };
}

/** One feed as `GET /v1/feeds` shows it. */
export interface FeedStatusView {
  id: string;
  kind: FeedSourceKind;
  name: string;
  /** Origin and path only: credentials and query strings (API keys) are never shown. */
  url: string | null;
  enabled: boolean;
  intervalSeconds: number;
  /** One word for a dashboard: ok, failing, circuit-open, standby, starting, push, disabled. */
  status: string;
  role: FeedRole;
  leaseHolder: string | null;
  lastPoll: string | null;
  lastSuccess: string | null;
  lastDurationMs: number | null;
  nextPoll: string | null;
  polls: number;
  notModified: number;
  skipped: number;
  items: number;
  duplicates: number;
  deadLettered: number;
  errors: number;
  consecutiveErrors: number;
  lastError: string | null;
  lastErrorAt: string | null;
  breaker: {
    state: string;
    consecutiveFailures: number;
    openedAt: string | null;
    retryAfterMs: number;
  } | null;
  cursor: { etag?: string; lastModified?: string; taxii?: string; mispEvents?: number };
  seenKeys: number;
}

function health(c: FeedCounters, breaker: CircuitSnapshot | undefined): string {
  if (c.role !== "active") return c.role;
  if (breaker?.state === "open") return "circuit-open";
  if (c.consecutiveErrors > 0) return "failing";
  return c.lastSuccessAt === null ? "starting" : "ok";
}

const iso = (ms: number | null | undefined): string | null =>
  ms == null ? null : new Date(ms).toISOString();

export function statusView(
  feed: FeedConfig,
  c: FeedCounters,
  extra: {
    nextAt?: number;
    breaker?: CircuitSnapshot;
    state?: FeedState;
    holder?: string;
    seenKeys?: number;
  },
): FeedStatusView {
  const s = extra.state;
  const cursor: FeedStatusView["cursor"] = {};
  if (s?.etag !== undefined) cursor.etag = s.etag;
  if (s?.lastModified !== undefined) cursor.lastModified = s.lastModified;
  if (s?.cursor !== undefined) cursor.taxii = s.cursor;
  if (feed.kind === "misp") cursor.mispEvents = Object.keys(s?.events ?? {}).length;
  const b = extra.breaker;
  return {
    id: feed.id,
    kind: feed.kind,
    name: feed.name ?? feed.id,
    url: feed.url === undefined ? null : safeUrl(feed.url),
    enabled: feed.enabled,
    intervalSeconds: feed.interval,
    status: health(c, b),
    role: c.role,
    leaseHolder: extra.holder ?? null,
    lastPoll: iso(c.lastPollAt),
    lastSuccess: iso(c.lastSuccessAt),
    lastDurationMs: c.lastDurationMs,
    nextPoll: iso(extra.nextAt),
    polls: c.polls,
    notModified: c.notModified,
    skipped: c.skipped,
    items: c.itemsEmitted,
    duplicates: c.duplicates,
    deadLettered: c.deadLettered,
    errors: c.errors,
    consecutiveErrors: c.consecutiveErrors,
    lastError: c.lastError,
    lastErrorAt: iso(c.lastErrorAt),
    breaker:
      b === undefined
        ? null
        : {
            state: b.state,
            consecutiveFailures: b.consecutiveFailures,
            openedAt: iso(b.openedAt),
            retryAfterMs: b.retryAfterMs,
          },
    cursor,
    seenKeys: extra.seenKeys ?? 0,
  };
}

/** What the journal holds of a feed, as `GET /v1/feeds` shows it beside (or without) a poller status. */
export interface FeedJournalView {
  id: string;
  /** Messages in the journal (retained at start + appended since). */
  count: number;
  /** Seq of the newest message, 0 when none. */
  newestSeq: number;
  /** Timestamp of the newest message (ISO), null when unknown. */
  newestAt: string | null;
  /** Listed in the feeds file (and so has the poller fields), or only seen in the journal. */
  configured: boolean;
}

export type FeedListing = FeedJournalView & Partial<FeedStatusView>;

/**
 * The configured feeds in file order, then every other feed the journal holds, by id: one entry per
 * feed, journal counts merged into the poller status. Pure: the route filters it by grants.
 */
export function catalogListing(
  statuses: readonly FeedStatusView[],
  entries: readonly CatalogEntry[],
): FeedListing[] {
  const byId = new Map(entries.map((e) => [e.feedId, e]));
  const journal = (id: string, configured: boolean): FeedJournalView => {
    const e = byId.get(id);
    return { id, count: e?.count ?? 0, newestSeq: e?.head ?? 0, newestAt: iso(e?.newestAt), configured };
  };
  const out: FeedListing[] = statuses.map((s) => ({ ...s, ...journal(s.id, true) }));
  const listed = new Set(statuses.map((s) => s.id));
  for (const e of entries) if (!listed.has(e.feedId)) out.push(journal(e.feedId, false));
  return out;
}
