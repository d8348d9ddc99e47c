import { PRIORITIES } from "../protocol/frame.ts";
import type { NodeEvents } from "../server/events.ts";
import type { NodeContext } from "../server/plugin.ts";
import type { AlertSample } from "./alerts.ts";
import { BoundedLabel, type Counter, type CounterChild, type Histogram, type Registry } from "./registry.ts";

/** Seconds. Sub-millisecond buckets at the low end: an idle node publishes within a few hundred µs. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
/**
 * Sources may stamp a message with the time of the event (a feed item's publication date); such a
 * timestamp says nothing about our latency. Past this age a sample is counted as backdated instead.
 */
export const BACKDATED_SECONDS = 60;

const POSITION_PROBE_FEED = "system.alerts";

/** `ingest` as it may be extended with per-priority counts (index = priority rank). */
type IngestEvent = NodeEvents["ingest"] & { byPriority?: readonly number[] };

/**
 * The node's metrics, fed by its event bus. Hot-path cost: one Map lookup per feed per fan-out batch,
 * an add and a histogram bucket scan per message; nothing per client. Gauges that are cheaper to read
 * than to track (connections, subscriptions, queue depth) are computed at scrape time.
 */
export class NodeMetrics {
  readonly ingested: Counter;
  readonly published: Counter;
  readonly latency: Histogram;
  readonly ingestDuration: Histogram;
  readonly httpRequests: Counter;
  readonly httpServerErrors: Counter;
  readonly queueDepth;
  readonly #feeds: BoundedLabel;
  readonly #reg: Registry;
  /** feed → [critical, high, medium, low] counter children, so the fan-out loop does one lookup. */
  readonly #pubCells = new Map<string, CounterChild[]>();
  readonly #scratch = new Uint8Array(8);
  readonly #scratchView = new DataView(this.#scratch.buffer);
  #lastQueueDepth = 0;
  readonly #f: ReturnType<typeof families>;

  constructor(reg: Registry, maxFeeds = 100) {
    this.#reg = reg;
    this.#feeds = new BoundedLabel(maxFeeds);
    this.ingested = reg.counter(
      "tacstream_messages_ingested_total",
      "Messages accepted (durable) by this node's ingest: webhooks and pollers.",
      ["feed", "priority"],
    );
    this.published = reg.counter(
      "tacstream_messages_published_total",
      "Messages fanned out by this node, once per message whatever the number of subscribers " +
        "(deliveries ≈ this × tacstream_feed_subscribers).",
      ["feed", "priority"],
    );
    this.latency = reg.histogram(
      "tacstream_delivery_latency_seconds",
      "From the message timestamp to its native publish on this node (ingest → published), seconds.",
      LATENCY_BUCKETS,
    );
    this.ingestDuration = reg.histogram(
      "tacstream_ingest_duration_seconds",
      "Time from a validated ingest request to durable (journal append), seconds.",
      LATENCY_BUCKETS,
      ["result"],
    );
    this.httpRequests = reg.counter("tacstream_http_requests_total", "HTTP requests answered.", [
      "method",
      "route",
      "status",
    ]);
    this.httpServerErrors = reg.counter(
      "tacstream_http_server_errors_total",
      "HTTP requests answered with a 5xx status (the error-rate alert's numerator).",
    );
    this.queueDepth = reg.gauge(
      "tacstream_queue_depth",
      "Messages journaled but not yet fanned out by this node (journal last seq − hub processed seq).",
    );
    this.#f = families(reg);
  }

  /** Subscribes to the node's events and registers the scrape-time collector; returns a detach function. */
  attach(ctx: NodeContext): () => void {
    const reg = this.#reg;
    const { httpDuration, errors, authRejected, opened, closed } = this.#f;
    const { connections, subscriptions, feedSubs, lastSeq, processed, ready } = this.#f;
    const ev = ctx.events;
    const reasons = new BoundedLabel(32);
    const offs = [
      ev.on("fanout", (e) => this.onFanout(e.batch, e.publishedAt)),
      ev.on("ingest", (e: IngestEvent) => this.onIngest(e)),
      ev.on("http", (e) => {
        const status = String(e.status);
        this.httpRequests.labels(e.method, e.route, status).inc();
        httpDuration.labels(e.route).observe(e.seconds);
        if (e.status >= 500) this.httpServerErrors.inc();
        if (e.code !== undefined) errors.labels("http", e.code).inc();
      }),
      ev.on("wsOpen", (e) => opened.labels(e.format).inc()),
      ev.on("wsClose", (e) => closed.labels(String(e.code)).inc()),
      ev.on("wsError", (e) => errors.labels("ws", e.code).inc()),
      ev.on("authReject", (e) => authRejected.labels(reasons.of(e.reason)).inc()),
    ];
    const writes = {
      fsyncs: reg.counter(
        "tacstream_journal_fsyncs_total",
        "fdatasync calls of the embedded journal: with group commit, far fewer than appends.",
      ),
      groups: reg.counter(
        "tacstream_journal_commit_groups_total",
        "Commit groups written by the embedded journal (one write and, with fsync always, one fsync each).",
      ),
      records: reg.counter("tacstream_journal_records_total", "Records stored by the embedded journal."),
      droppedRecords: reg.counter(
        "tacstream_journal_recovery_dropped_records_total",
        "Acknowledged records recovery had to drop (damage, not a torn tail); each drop changed the epoch.",
      ),
      droppedBytes: reg.counter(
        "tacstream_journal_recovery_dropped_bytes_total",
        "Bytes of acknowledged records recovery had to drop.",
      ),
    };
    const seen = { fsyncs: 0, groups: 0, records: 0, droppedRecords: 0, droppedBytes: 0 };
    const uncollect = reg.collect(async () => {
      const stats = ctx.journal.stats;
      if (stats !== undefined) {
        for (const k of ["fsyncs", "groups", "records", "droppedRecords", "droppedBytes"] as const) {
          // The journal's counts restart only with the process, as these counters do.
          const n = stats[k] ?? 0;
          if (n > seen[k]) writes[k].inc(n - seen[k]);
          seen[k] = n;
        }
      }
      const hub = ctx.hub;
      let subs = 0;
      feedSubs.reset();
      for (const ws of hub.sessions) {
        const d = ws.data;
        subs += d.subs.size;
        for (const feed of d.subs.keys()) feedSubs.labels(this.#feeds.of(feed), d.format).inc();
      }
      connections.set(hub.sessions.size);
      subscriptions.set(subs);
      const status = ctx.journal.status();
      ready.set(status.ready ? 1 : 0);
      processed.set(hub.processed);
      if (status.ready) {
        // `last` is journal-wide whatever the feed; a valid feed id works on every journal.
        const pos = await ctx.journal.position(POSITION_PROBE_FEED);
        lastSeq.set(pos.last);
        // Sparse seqs (JetStream group commit) are not a message count: the journal says how far apart.
        const journal = ctx.journal;
        this.#lastQueueDepth = Math.max(
          0,
          journal.backlog === undefined ? pos.last - hub.processed : journal.backlog(hub.processed, pos.last),
        );
      }
      this.queueDepth.set(this.#lastQueueDepth);
    });
    return () => {
      for (const off of offs) off();
      uncollect();
    };
  }

  onFanout(batch: NodeEvents["fanout"]["batch"], publishedAt: number): void {
    const s = this.#scratch;
    let lastFeed = "";
    let cells: CounterChild[] | undefined;
    let old = 0;
    for (const m of batch) {
      if (m.feedId !== lastFeed || cells === undefined) {
        lastFeed = m.feedId;
        cells = this.#cellsFor(m.feedId);
      }
      cells[m.priority]?.inc();
      // A message that cannot be served has no frame, hence no timestamp to measure from.
      if (m.damaged) continue;
      // The frame's f64 timestamp at offset 16, read without allocating a view per message.
      const f = m.frame;
      for (let i = 0; i < 8; i++) s[i] = f[16 + i]!;
      const seconds = (publishedAt - this.#scratchView.getFloat64(0)) / 1000;
      if (seconds > BACKDATED_SECONDS) old++;
      else this.latency.observe(Math.max(seconds, 0));
    }
    if (old > 0) this.#f.backdated.inc(old);
  }

  onIngest(e: IngestEvent): void {
    this.ingestDuration.labels(e.ok ? "ok" : "error").observe(e.seconds);
    if (!e.ok) return;
    const feed = this.#feeds.of(e.feedId);
    if (e.byPriority === undefined) {
      this.ingested.labels(feed, "unknown").inc(e.count);
      return;
    }
    for (let p = 0; p < PRIORITIES.length; p++) {
      const n = e.byPriority[p] ?? 0;
      if (n > 0) this.ingested.labels(feed, PRIORITIES[p]!).inc(n);
    }
  }

  /** Cumulative figures for the alert evaluator; `queueDepth` is the one computed at the last collect. */
  alertSample(queueDepth: number): AlertSample {
    const lat = this.latency.totals();
    return {
      requests: this.httpRequests.total(),
      serverErrors: this.httpServerErrors.value,
      latencySum: lat.sum,
      latencyCount: lat.count,
      queueDepth,
    };
  }

  #cellsFor(feedId: string): CounterChild[] {
    let cells = this.#pubCells.get(feedId);
    if (cells === undefined) {
      const feed = this.#feeds.of(feedId);
      cells = PRIORITIES.map((p) => this.published.labels(feed, p));
      // Past the label cap every new feed shares the `other` children; cap the cache the same way.
      if (this.#pubCells.size < 10_000) this.#pubCells.set(feedId, cells);
    }
    return cells;
  }
}

function families(reg: Registry) {
  const backdated = reg.counter(
    "tacstream_messages_backdated_total",
    `Published messages whose timestamp was more than ${BACKDATED_SECONDS} s old (left out of the latency histogram).`,
  );
  const httpDuration = reg.histogram(
    "tacstream_http_request_duration_seconds",
    "HTTP request duration, seconds.",
    LATENCY_BUCKETS,
    ["route"],
  );
  const errors = reg.counter("tacstream_errors_total", "Typed errors sent to clients, by code.", [
    "source",
    "code",
  ]);
  const authRejected = reg.counter("tacstream_auth_rejected_total", "Rejected authentications.", ["reason"]);
  const opened = reg.counter("tacstream_connections_opened_total", "WebSocket sessions opened.", ["format"]);
  const closed = reg.counter("tacstream_connections_closed_total", "WebSocket sessions closed, by code.", [
    "code",
  ]);
  const connections = reg.gauge("tacstream_connections", "Open WebSocket sessions.");
  const subscriptions = reg.gauge("tacstream_subscriptions", "Feed subscriptions over all sessions.");
  const feedSubs = reg.gauge("tacstream_feed_subscribers", "Sessions subscribed to a feed.", [
    "feed",
    "format",
  ]);
  const lastSeq = reg.gauge("tacstream_journal_last_seq", "Newest seq assigned by the journal.");
  const processed = reg.gauge("tacstream_hub_processed_seq", "Newest seq fanned out by this node.");
  const ready = reg.gauge("tacstream_journal_ready", "1 when the journal accepts writes, else 0.");

  return {
    backdated,
    httpDuration,
    errors,
    authRejected,
    opened,
    closed,
    connections,
    subscriptions,
    feedSubs,
    lastSeq,
    processed,
    ready,
  };
}
