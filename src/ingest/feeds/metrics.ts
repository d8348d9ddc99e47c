import type { Registry } from "../../observability/registry.ts";
import type { CircuitState } from "../../resilience/mod.ts";
import type { FeedSourceKind } from "./config.ts";
import type { FeedState } from "./state.ts";
import { type FeedCounters, POLL_RESULTS } from "./status.ts";

/** `tacstream_feed_breaker_state`: one number per state, so an alert can say `== 2`. */
export const BREAKER_STATE_VALUE: Readonly<Record<CircuitState, number>> = {
  closed: 0,
  "half-open": 1,
  open: 2,
};

/** What the metrics read of one polled feed at scrape time. */
export interface PolledFeedView {
  id: string;
  kind: FeedSourceKind;
  intervalSeconds: number;
  counters: FeedCounters;
  breaker: CircuitState;
  state: FeedState;
}

export interface FeedMetricsSource {
  polled(): Iterable<PolledFeedView>;
  /** Every configured feed id (webhooks included): each gets a DLQ depth, 0 when empty. */
  feedIds(): Iterable<string>;
  /** Live dead-letter entries per feed. */
  dlqDepth(): ReadonlyMap<string, number>;
  /** Epoch ms. */
  now(): number;
}

/**
 * Seconds since the date the feed's cursor stands at, or undefined when it keeps none: TAXII's
 * `added_after` (the last `date_added` ingested), MISP's newest event timestamp, else the document's
 * `Last-Modified`. A cursor that stops moving while its feed keeps publishing is a feed we stopped
 * reading without any poll failing.
 */
export function cursorAgeSeconds(kind: FeedSourceKind, state: FeedState, now: number): number | undefined {
  let at: number | undefined;
  if (kind === "taxii" && state.cursor !== undefined) at = Date.parse(state.cursor);
  else if (kind === "misp") {
    const times = Object.values(state.events ?? {});
    if (times.length > 0) at = Math.max(...times);
  }
  if (at === undefined && state.lastModified !== undefined) at = Date.parse(state.lastModified);
  if (at === undefined || !Number.isFinite(at)) return undefined;
  return Math.max(0, (now - at) / 1000);
}

/**
 * The feeds' families in a node's registry. Counters mirror the pollers' own (the ones `GET /v1/feeds`
 * shows) and are brought up to them at each scrape; gauges are recomputed from scratch, so a feed
 * gone from the configuration leaves no stale series behind.
 */
export class FeedMetrics {
  readonly #reg: Registry;
  readonly #f: ReturnType<typeof families>;
  /** Last value added per counter series, so each scrape adds only the difference. */
  readonly #seen = new Map<string, number>();

  constructor(reg: Registry) {
    this.#reg = reg;
    this.#f = families(reg);
  }

  /** Starts reading `source` at every scrape; returns the detach. */
  attach(source: FeedMetricsSource): () => void {
    return this.#reg.collect(() => this.#collect(source));
  }

  #collect(source: FeedMetricsSource): void {
    const f = this.#f;
    const now = source.now();
    for (const g of [f.lastSuccess, f.interval, f.breaker, f.cursorAge, f.active, f.dlq]) g.reset();
    for (const p of source.polled()) {
      const c = p.counters;
      for (const r of POLL_RESULTS) this.#bring(f.polls, [p.id, r], c.results[r]);
      this.#bring(f.items, [p.id, "ingested"], c.itemsEmitted);
      this.#bring(f.items, [p.id, "duplicate"], c.duplicates);
      this.#bring(f.items, [p.id, "dead-lettered"], c.deadLettered);
      f.lastSuccess.labels(p.id).set(c.lastSuccessAt === null ? 0 : c.lastSuccessAt / 1000);
      f.interval.labels(p.id).set(p.intervalSeconds);
      f.breaker.labels(p.id).set(BREAKER_STATE_VALUE[p.breaker]);
      f.active.labels(p.id).set(c.role === "active" ? 1 : 0);
      const age = cursorAgeSeconds(p.kind, p.state, now);
      if (age !== undefined) f.cursorAge.labels(p.id).set(age);
    }
    const depth = source.dlqDepth();
    for (const id of source.feedIds()) f.dlq.labels(id).set(depth.get(id) ?? 0);
    // Entries of a feed no longer configured still sit in the queue: show them too.
    for (const [id, n] of depth) f.dlq.labels(id).set(n);
  }

  #bring(counter: ReturnType<typeof families>["polls"], labels: [string, string], n: number): void {
    const key = `${labels[0]}\u0000${labels[1]}`;
    const child = counter.labels(...labels);
    const before = this.#seen.get(key) ?? 0;
    if (n > before) child.inc(n - before);
    this.#seen.set(key, Math.max(before, n));
  }
}

function families(reg: Registry) {
  return {
    polls: reg.counter(
      "tacstream_feed_polls_total",
      "Scheduled polls by result: ok, not-modified (304), error, breaker-open (skipped), standby (another node holds the lease).",
      ["feed", "result"],
    ),
    items: reg.counter(
      "tacstream_feed_items_total",
      "Polled items by fate: ingested (new, journaled), duplicate (seen before), dead-lettered (documents and items sent to the DLQ).",
      ["feed", "result"],
    ),
    lastSuccess: reg.gauge(
      "tacstream_feed_last_success_timestamp_seconds",
      "Unix time of the feed's last successful poll on this node; 0 if none yet.",
      ["feed"],
    ),
    interval: reg.gauge("tacstream_feed_interval_seconds", "The feed's configured poll interval, seconds.", [
      "feed",
    ]),
    breaker: reg.gauge(
      "tacstream_feed_breaker_state",
      "The feed's circuit breaker: 0 closed, 1 half-open, 2 open.",
      ["feed"],
    ),
    active: reg.gauge(
      "tacstream_feed_active",
      "1 while this node polls the feed (holds its lease), else 0 (standby, starting).",
      ["feed"],
    ),
    cursorAge: reg.gauge(
      "tacstream_feed_cursor_age_seconds",
      "Seconds since the date the feed's cursor stands at (TAXII added_after, newest MISP event, Last-Modified); absent without one.",
      ["feed"],
    ),
    dlq: reg.gauge("tacstream_dlq_entries", "Dead-letter entries waiting for an operator, per feed.", [
      "feed",
    ]),
  };
}
