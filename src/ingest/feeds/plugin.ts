import { hostname } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import type { Registry } from "../../observability/registry.ts";
import { TacError } from "../../protocol/errors.ts";
import type { Sleep } from "../../resilience/mod.ts";
import type { NodeContext, Plugin } from "../../server/plugin.ts";
import { mountDlqRoutes } from "../dlq/routes.ts";
import { type DlqOptions, DlqStore } from "../dlq/store.ts";
import { type FeedConfig, loadFeedsFile } from "./config.ts";
import type { FetchFn } from "./fetch.ts";
import { type FeedLease, LOCAL_LEASE } from "./lease.ts";
import { NatsLease } from "./lease-nats.ts";
import { FeedMetrics } from "./metrics.ts";
import { clientIp, type FeedRoutesOptions, mountFeedRoutes } from "./routes.ts";
import { REAL_TIMERS, type Timers } from "./scheduler.ts";
import { FeedsService } from "./service.ts";
import type { FeedStatusView } from "./status.ts";

export interface FeedsPluginOptions extends FeedRoutesOptions {
  /** The feeds file (FEEDS_FILE); read and validated when the plugin is created. */
  file?: string;
  /** Feeds given directly instead of a file (already validated by `parseFeedsConfig`). */
  feeds?: readonly FeedConfig[];
  /** Where `env:NAME` secrets in the file are looked up (default process.env). */
  env?: Record<string, string | undefined>;
  /** Poll on a schedule once started (default true); tests drive `pollNow` instead. */
  schedule?: boolean;
  /**
   * Who may poll: "auto" (default) takes a NATS KV lease per feed when the journal is JetStream and
   * polls freely otherwise; "none" always polls; or a lease of one's own.
   */
  lease?: "auto" | "none" | FeedLease;
  /** This node's name in lease records (default host-pid-random). */
  nodeName?: string;
  /** Keys remembered per feed for de-duplication (default 50,000). */
  maxSeenKeys?: number;
  dlq?: DlqOptions;
  /** The node's metrics registry (shared with the metrics plugin): poller, breaker and DLQ families. */
  registry?: Registry;
  fetch?: FetchFn;
  timers?: Timers;
  random?: () => number;
  sleep?: Sleep;
  jitter?: number;
  startSpreadMs?: number;
}

export interface FeedsPlugin extends Plugin {
  readonly feeds: readonly FeedConfig[];
  /** Polls one feed now and returns its status after. */
  pollNow(feedId: string): Promise<FeedStatusView>;
  statuses(): FeedStatusView[];
  /** Available once started. */
  readonly service: FeedsService | undefined;
  readonly dlq: DlqStore | undefined;
  readonly lease: FeedLease | undefined;
}

/**
 * Feed polling, generic webhooks and the dead-letter queue as one plugin (docs/feeds.md). The feeds
 * file is validated here, when the node is assembled, so a bad one stops the server before it listens.
 */
export function feedsPlugin(opts: FeedsPluginOptions = {}): FeedsPlugin {
  const env = opts.env ?? process.env;
  const feeds = opts.feeds ?? (opts.file ? loadFeedsFile(opts.file, env) : []);
  const timers = opts.timers ?? REAL_TIMERS;
  let service: FeedsService | undefined;
  let dlq: DlqStore | undefined;
  let lease: FeedLease | undefined;
  let lastLeaseError: string | undefined;
  const metrics = opts.registry === undefined ? undefined : new FeedMetrics(opts.registry);
  let detachMetrics: (() => void) | undefined;

  const started = (): FeedsService => {
    if (service === undefined) throw TacError.unavailable("feeds are starting", 1);
    return service;
  };

  const chooseLease = (ctx: NodeContext): FeedLease => {
    const want = opts.lease ?? "auto";
    if (typeof want === "object") return want;
    if (want === "none" || ctx.journal.kind !== "jetstream" || ctx.config.NATS_URL === undefined)
      return LOCAL_LEASE;
    const log = ctx.log.child({ plugin: "feeds" });
    return new NatsLease({
      servers: ctx.config.NATS_URL.split(","),
      replicas: ctx.config.NATS_REPLICAS,
      owner: opts.nodeName ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      now: () => timers.now(),
      // Once per distinct reason: the bucket is retried every few seconds while it cannot be opened.
      onError: (err) => {
        const reason = String(err);
        if (reason === lastLeaseError) return;
        lastLeaseError = reason;
        log.warn("feed lease cannot work, not polling", { err: reason });
      },
      onReady: () => {
        lastLeaseError = undefined;
      },
      ...(ctx.nats === undefined ? {} : { connection: ctx.nats }),
      auth: {
        ...(ctx.config.NATS_USER === undefined ? {} : { user: ctx.config.NATS_USER }),
        ...(ctx.config.NATS_PASSWORD === undefined ? {} : { pass: ctx.config.NATS_PASSWORD }),
        ...(ctx.config.NATS_TOKEN === undefined ? {} : { token: ctx.config.NATS_TOKEN }),
      },
    });
  };

  return {
    name: "feeds",
    feeds,
    get service() {
      return service;
    },
    get dlq() {
      return dlq;
    },
    get lease() {
      return lease;
    },
    readiness(): Record<string, string> {
      // Before start, or nothing to poll (webhooks only): no lease is needed, none is reported.
      if (lease === undefined || service === undefined || service.pollers.size === 0) return {};
      if (lease === LOCAL_LEASE) return { lease: "none" };
      return { lease: lease instanceof NatsLease ? lease.state : "custom" };
    },
    routes(app: Hono, ctx: NodeContext) {
      mountFeedRoutes(app, ctx, started, opts);
      mountDlqRoutes(app, ctx, {
        dlq: () => {
          if (dlq === undefined) throw TacError.unavailable("feeds are starting", 1);
          return dlq;
        },
        replay: (entry) => started().replay(entry),
        clientIp: (c) => clientIp(c, ctx),
      });
    },
    async start(ctx: NodeContext) {
      const log = ctx.log.child({ plugin: "feeds" });
      dlq = await DlqStore.open(join(ctx.config.DATA_DIR, "dlq"), {
        now: () => timers.now(),
        ...(ctx.cipher === undefined ? {} : { cipher: ctx.cipher }),
        ...opts.dlq,
      });
      lease = chooseLease(ctx);
      service = new FeedsService({
        feeds,
        dataDir: ctx.config.DATA_DIR,
        ...(ctx.cipher === undefined ? {} : { cipher: ctx.cipher }),
        ingestor: ctx.ingestor,
        dlq,
        lease,
        journal: ctx.journal,
        log,
        events: ctx.events,
        maxBatch: ctx.config.MAX_BATCH,
        maxSeenKeys: opts.maxSeenKeys ?? 50_000,
        timers,
        ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
        ...(opts.random === undefined ? {} : { random: opts.random }),
        ...(opts.sleep === undefined ? {} : { sleep: opts.sleep }),
        ...(opts.jitter === undefined ? {} : { jitter: opts.jitter }),
        ...(opts.startSpreadMs === undefined ? {} : { startSpreadMs: opts.startSpreadMs }),
      });
      await service.start(opts.schedule ?? true);
      const svc = service;
      const store = dlq;
      detachMetrics = metrics?.attach({
        polled: () => [...svc.pollers.values()].map((p) => p.metricsView()),
        feedIds: () => svc.feeds.keys(),
        dlqDepth: () => store.depthByFeed(),
        now: () => timers.now(),
      });
      log.info("feeds started", {
        polled: service.pollers.size,
        webhooks: feeds.filter((f) => f.kind === "webhook").length,
        lease: lease === LOCAL_LEASE ? "none" : "nats-kv",
        dlq: dlq.size,
      });
    },
    async stop() {
      detachMetrics?.();
      detachMetrics = undefined;
      await service?.stop();
      await lease?.close();
    },
    pollNow(feedId) {
      return started().pollNow(feedId);
    },
    statuses() {
      return service?.statuses() ?? [];
    },
  };
}
