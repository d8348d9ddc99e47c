import { join } from "node:path";
import type { Journal } from "../../journal/journal.ts";
import type { Logger } from "../../observability/log.ts";
import { ErrorCode, TacError } from "../../protocol/errors.ts";
import { PRIORITIES } from "../../protocol/message.ts";
import type { Sleep } from "../../resilience/mod.ts";
import type { PayloadCipher } from "../../security/encryption.ts";
import type { EventBus } from "../../server/events.ts";
import type { DlqEntry, DlqStore } from "../dlq/store.ts";
import type { Ingestor } from "../ingestor.ts";
import type { FeedConfig } from "./config.ts";
import { type EmitResult, emitItems, type Ingest } from "./emit.ts";
import type { FetchFn } from "./fetch.ts";
import type { FeedLease } from "./lease.ts";
import { parseDocument } from "./parse.ts";
import { FeedPoller } from "./poller.ts";
import { Scheduler, type Timers } from "./scheduler.ts";
import { type FeedStatusView, newCounters, statusView } from "./status.ts";

export interface FeedsServiceOptions {
  feeds: readonly FeedConfig[];
  dataDir: string;
  /** ENCRYPTION_KEYS' cipher: each feed's seen keys and state file are sealed with it. */
  cipher?: PayloadCipher;
  ingestor: Ingestor;
  dlq: DlqStore;
  lease: FeedLease;
  journal?: Pick<Journal, "read">;
  log: Logger;
  events?: EventBus;
  maxBatch: number;
  maxSeenKeys: number;
  fetch?: FetchFn;
  timers: Timers;
  random?: () => number;
  sleep?: Sleep;
  jitter?: number;
  startSpreadMs?: number;
}

/**
 * The feeds of one node: a poller per polled feed on one scheduler, the webhook feeds, and DLQ replay.
 * Everything reaches the journal through the node's ingestor, timed and reported as `ingest` events.
 */
export class FeedsService {
  readonly feeds: ReadonlyMap<string, FeedConfig>;
  readonly pollers = new Map<string, FeedPoller>();
  readonly scheduler: Scheduler;
  readonly #o: FeedsServiceOptions;
  readonly #ingest: Ingest;

  constructor(o: FeedsServiceOptions) {
    this.#o = o;
    this.feeds = new Map(o.feeds.map((f) => [f.id, f]));
    this.scheduler = new Scheduler({
      timers: o.timers,
      ...(o.random === undefined ? {} : { random: o.random }),
      ...(o.jitter === undefined ? {} : { jitter: o.jitter }),
      ...(o.startSpreadMs === undefined ? {} : { startSpreadMs: o.startSpreadMs }),
    });
    this.#ingest = async (feedId, messages) => {
      const t0 = performance.now();
      try {
        const r = await o.ingestor.ingest(feedId, messages);
        // Per priority, as the HTTP route reports it: without it the metrics say priority="unknown".
        const byPriority = [0, 0, 0, 0];
        for (const m of messages) byPriority[PRIORITIES.indexOf(m.priority)]!++;
        o.events?.emit("ingest", {
          feedId,
          count: r.ids.length,
          seconds: (performance.now() - t0) / 1000,
          ok: true,
          byPriority,
        });
        return r;
      } catch (err) {
        const code = err instanceof TacError ? err.code : ErrorCode.Internal;
        const seconds = (performance.now() - t0) / 1000;
        o.events?.emit("ingest", { feedId, count: messages.length, seconds, ok: false, code });
        throw err;
      }
    };
    for (const feed of o.feeds) {
      if (feed.kind === "webhook" || !feed.enabled) continue;
      this.pollers.set(
        feed.id,
        new FeedPoller(feed, {
          dir: join(o.dataDir, "feeds"),
          ...(o.cipher === undefined ? {} : { cipher: o.cipher }),
          ingest: this.#ingest,
          dlq: o.dlq,
          lease: o.lease,
          ...(o.journal === undefined ? {} : { journal: o.journal }),
          log: o.log,
          maxBatch: o.maxBatch,
          maxSeenKeys: o.maxSeenKeys,
          now: () => o.timers.now(),
          ...(o.fetch === undefined ? {} : { fetch: o.fetch }),
          ...(o.sleep === undefined ? {} : { sleep: o.sleep }),
          ...(o.random === undefined ? {} : { random: o.random }),
        }),
      );
    }
  }

  /** Loads every poller's state; with `schedule`, starts polling. */
  async start(schedule: boolean): Promise<void> {
    for (const p of this.pollers.values()) await p.open();
    if (!schedule) return;
    for (const p of this.pollers.values())
      this.scheduler.add(p.feed.id, p.feed.interval * 1000, () => p.poll());
  }

  async stop(): Promise<void> {
    // Abort first, so runs in progress end quickly; release the leases only once none runs, so another
    // node never polls while this one still writes.
    for (const p of this.pollers.values()) p.abort();
    await this.scheduler.stop();
    await Promise.all([...this.pollers.values()].map((p) => p.close()));
    await this.#o.dlq.flush();
  }

  /** Polls a feed now, outside its schedule (tests, operators), and returns its status after. */
  async pollNow(feedId: string): Promise<FeedStatusView> {
    const p = this.pollers.get(feedId);
    if (p === undefined) throw new TacError(ErrorCode.NotFound, `no polled feed ${feedId}`, { feedId });
    if (this.scheduler.nextAt(feedId) !== undefined) await this.scheduler.runNow(feedId);
    else await p.poll();
    return this.status(feedId)!;
  }

  status(feedId: string): FeedStatusView | undefined {
    const feed = this.feeds.get(feedId);
    if (feed === undefined) return undefined;
    const p = this.pollers.get(feedId);
    if (p === undefined) return statusView(feed, newCounters(feed), {});
    return p.status(this.scheduler.nextAt(feedId));
  }

  statuses(): FeedStatusView[] {
    return [...this.feeds.keys()].map((id) => this.status(id)!);
  }

  /**
   * A webhook delivery: the body mapped by the feed's mapping, taken whole or refused whole. A body
   * that cannot be mapped is dead-lettered (fix the mapping, then replay it) and refused.
   */
  async deliver(feed: FeedConfig, body: Uint8Array, contentType: string | undefined): Promise<EmitResult> {
    let items: ReturnType<typeof parseDocument>;
    try {
      items = parseDocument("webhook", body, contentType, feed);
    } catch (err) {
      await this.#deadLetter(feed.id, "webhook", err, body, contentType);
      throw err;
    }
    try {
      return await emitItems(items, this.#emitDeps(feed), { strict: true });
    } catch (err) {
      if (err instanceof TacError && err.code === ErrorCode.Validation) {
        await this.#deadLetter(feed.id, "webhook", err, body, contentType);
      }
      throw err;
    }
  }

  /**
   * Parses a dead-lettered input again with the feed's current configuration and ingests what it
   * yields; on success the entry leaves the DLQ. A failure updates the entry's reason and is thrown.
   */
  async replay(entry: DlqEntry): Promise<EmitResult> {
    const dlq = this.#o.dlq;
    if (entry.truncated) {
      throw TacError.validation(
        `entry ${entry.id} holds only the first bytes of its input and cannot be replayed`,
      );
    }
    const feed = this.feeds.get(entry.feedId);
    if (feed === undefined) {
      throw new TacError(ErrorCode.NotFound, `feed ${entry.feedId} is no longer configured`, {
        feedId: entry.feedId,
      });
    }
    const raw = await dlq.raw(entry.id);
    let items: ReturnType<typeof parseDocument>;
    try {
      items = parseDocument(entry.format, raw, entry.contentType, feed);
    } catch (err) {
      await this.#deadLetter(feed.id, entry.format, err, raw, entry.contentType);
      if (err instanceof TacError) throw err;
      throw TacError.validation(`replay failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const poller = this.pollers.get(feed.id);
    const result =
      poller === undefined
        ? await emitItems(items, this.#emitDeps(feed), { strict: entry.format === "webhook" })
        : await poller.emit(items);
    await dlq.remove(entry.id);
    return result;
  }

  #emitDeps(feed: FeedConfig) {
    return {
      feed,
      ingest: this.#ingest,
      dlq: this.#o.dlq,
      maxBatch: this.#o.maxBatch,
      now: () => this.#o.timers.now(),
    };
  }

  async #deadLetter(
    feedId: string,
    format: DlqEntry["format"],
    err: unknown,
    raw: Uint8Array,
    contentType: string | undefined,
  ): Promise<void> {
    const tac = err instanceof TacError ? err : undefined;
    await this.#o.dlq.add({
      feedId,
      format,
      reason: err instanceof Error ? err.message : String(err),
      code: tac?.code ?? ErrorCode.Internal,
      ...(tac?.path === undefined ? {} : { path: tac.path }),
      ...(contentType === undefined ? {} : { contentType }),
      raw,
    });
  }
}
