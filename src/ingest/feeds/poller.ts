import { join } from "node:path";
import type { Journal } from "../../journal/journal.ts";
import type { Logger } from "../../observability/log.ts";
import { ErrorCode, TacError } from "../../protocol/errors.ts";
import { uuidToString } from "../../protocol/uuid.ts";
import { CircuitBreaker, retry, type Sleep, sleep, TokenBucketLimiter } from "../../resilience/mod.ts";
import type { PayloadCipher } from "../../security/encryption.ts";
import type { DlqFormat, DlqStore } from "../dlq/store.ts";
import type { NormalizedItem } from "../item.ts";
import { StixContext } from "../parsers/mod.ts";
import type { FeedConfig } from "./config.ts";
import { type EmitResult, emitItems, type Ingest } from "./emit.ts";
import { type Fetched, type FetchFn, feedHeaders, fetchDocument } from "./fetch.ts";
import type { FeedLease } from "./lease.ts";
import type { PolledFeedView } from "./metrics.ts";
import { SeenStore } from "./seen.ts";
import { dedupKeyFor, type PollContext, SOURCES } from "./sources.ts";
import { asFeedState, FeedStateFile } from "./state.ts";
import { type FeedCounters, type FeedStatusView, newCounters, statusView } from "./status.ts";

/** How many of a feed's messages a takeover reads back from the journal at most. */
const TAKEOVER_SCAN = 200_000;

export interface PollerDeps {
  /** Where the feed's seen keys and state live (DATA_DIR/feeds). */
  dir: string;
  /** ENCRYPTION_KEYS' cipher: the seen keys and state are sealed with it. */
  cipher?: PayloadCipher;
  ingest: Ingest;
  dlq: DlqStore;
  lease: FeedLease;
  /** Read back on a lease takeover: the ids the last holder already stored. */
  journal?: Pick<Journal, "read">;
  log: Logger;
  maxBatch: number;
  maxSeenKeys: number;
  fetch?: FetchFn;
  now: () => number;
  sleep?: Sleep;
  random?: () => number;
}

/**
 * Everything one feed needs between polls: its breaker, rate limit, seen keys and persisted state, and
 * the counters `GET /v1/feeds` shows. `poll()` never throws: every failure lands in the counters.
 */
export class FeedPoller {
  readonly feed: FeedConfig;
  readonly counters: FeedCounters;
  readonly breaker: CircuitBreaker;
  readonly #d: PollerDeps;
  readonly #limiter: TokenBucketLimiter | undefined;
  readonly #state: FeedStateFile;
  readonly #stop = new AbortController();
  #seen: SeenStore | undefined;
  /** True while this node holds the lease; its loss and regain is a takeover. */
  #holding = false;
  #knownIds: Set<string> | undefined;
  /** TAXII pages' objects, for relationships that a page split puts apart. */
  readonly #stix = new StixContext();

  constructor(feed: FeedConfig, deps: PollerDeps) {
    this.feed = feed;
    this.#d = deps;
    this.counters = newCounters(feed);
    this.breaker = new CircuitBreaker({
      now: deps.now,
      name: feed.id,
      failureThreshold: feed.breaker.failureThreshold,
      openMs: feed.breaker.openMs,
      successThreshold: feed.breaker.successThreshold,
      onStateChange: (from, to) => deps.log.warn("feed circuit", { feed: feed.id, from, to }),
    });
    this.#limiter =
      feed.rateLimit === undefined
        ? undefined
        : new TokenBucketLimiter({ rate: feed.rateLimit.rate, burst: feed.rateLimit.burst, now: deps.now });
    this.#state = new FeedStateFile(join(deps.dir, `${feed.id}.state.json`), {
      ...(deps.cipher === undefined ? {} : { cipher: deps.cipher }),
    });
  }

  async open(): Promise<void> {
    this.#seen = await SeenStore.open(join(this.#d.dir, `${this.feed.id}.seen.jsonl`), this.#d.maxSeenKeys, {
      ...(this.#d.cipher === undefined ? {} : { cipher: this.#d.cipher }),
    });
    await this.#state.load();
  }

  get seen(): SeenStore | undefined {
    return this.#seen;
  }

  /** One poll: lease, then the kind's source strategy; outcomes go to the counters. */
  async poll(): Promise<void> {
    const c = this.counters;
    const kind = this.feed.kind;
    if (kind === "webhook" || !this.feed.enabled || this.#stop.signal.aborted) return;
    const t0 = this.#d.now();
    c.lastPollAt = t0;
    if (!(await this.#d.lease.acquire(this.feed.id, 2 * this.feed.interval * 1000))) {
      c.role = "standby";
      c.results.standby++;
      this.#holding = false;
      return;
    }
    if (!this.#holding) {
      // Another node may have polled since we last did: take over its state before polling.
      if (!(await this.#takeOver())) {
        c.results.error++;
        return;
      }
      this.#holding = true;
    }
    c.role = "active";
    if (this.breaker.state === "open") {
      c.skipped++;
      c.results["breaker-open"]++;
      return;
    }
    c.polls++;
    const notModified = c.notModified;
    try {
      await SOURCES[kind](this.#context());
      c.results[c.notModified > notModified ? "not-modified" : "ok"]++;
      c.lastSuccessAt = this.#d.now();
      c.consecutiveErrors = 0;
      // Every item the source still lists now has its key in the seen store.
      this.#knownIds = undefined;
    } catch (err) {
      if (this.#stop.signal.aborted) return;
      c.errors++;
      c.results.error++;
      c.consecutiveErrors++;
      c.lastError = err instanceof Error ? err.message : String(err);
      c.lastErrorAt = this.#d.now();
      this.#d.log.warn("feed poll failed", {
        feed: this.feed.id,
        err: c.lastError,
        code: err instanceof TacError ? err.code : undefined,
      });
    } finally {
      c.lastDurationMs = this.#d.now() - t0;
    }
  }

  /** Items → journal with this feed's de-duplication (DLQ replay uses it too). */
  emit(items: readonly NormalizedItem[]): Promise<EmitResult> {
    return emitItems(
      items,
      {
        feed: this.feed,
        ingest: this.#d.ingest,
        dlq: this.#d.dlq,
        maxBatch: this.#d.maxBatch,
        now: this.#d.now,
        ...(this.#seen === undefined ? {} : { seen: this.#seen }),
      },
      {
        dedupKey: (i) => dedupKeyFor(this.feed.kind, i),
        ...(this.#knownIds === undefined ? {} : { knownIds: this.#knownIds }),
      },
    ).then((r) => {
      this.counters.itemsEmitted += r.ids.length;
      this.counters.duplicates += r.duplicates;
      this.counters.deadLettered += r.rejected;
      return r;
    });
  }

  status(nextAt: number | undefined): FeedStatusView {
    return statusView(this.feed, this.counters, {
      ...(nextAt === undefined ? {} : { nextAt }),
      breaker: this.breaker.snapshot(),
      state: this.#state.state,
      ...(this.#d.lease.holder(this.feed.id) === undefined
        ? {}
        : { holder: this.#d.lease.holder(this.feed.id)! }),
      seenKeys: this.#seen?.size ?? 0,
    });
  }

  /** What `/metrics` reads of this feed at a scrape. */
  metricsView(): PolledFeedView {
    return {
      id: this.feed.id,
      kind: this.feed.kind,
      intervalSeconds: this.feed.interval,
      counters: this.counters,
      breaker: this.breaker.state,
      state: this.#state.state,
    };
  }

  /** Abandons a poll in flight: its request is aborted, and no poll starts after. */
  abort(): void {
    this.#stop.abort(new TacError(ErrorCode.Unavailable, "feeds stopping"));
  }

  /** After `abort` and once no poll runs: waits for pending writes and gives the lease up. */
  async close(): Promise<void> {
    this.abort();
    await this.#seen?.flush();
    await this.#d.lease.release(this.feed.id);
  }

  #context(): PollContext {
    return {
      feed: this.feed,
      state: this.#state.state,
      stix: this.#stix,
      request: (url, accept, conditional) => this.#request(url, accept, conditional),
      emit: (items) => this.emit(items),
      saveState: () => this.#saveState(),
      deadLetter: (format, err, doc) => this.#deadLetter(format, err, doc),
      notModified: () => {
        this.counters.notModified++;
      },
      warn: (msg, fields) => this.#d.log.warn(msg, { feed: this.feed.id, ...fields }),
    };
  }

  /**
   * On becoming the holder with a shared lease: adopt the shared state (cursor, validators, MISP
   * timestamps) and read back the ids of the feed's messages in the journal, so nothing the last
   * holder emitted is emitted again. False (and no poll) when NATS cannot be read.
   */
  async #takeOver(): Promise<boolean> {
    const shared = this.#d.lease.shared;
    if (shared === undefined) return true;
    try {
      const remote = asFeedState(await shared.load(this.feed.id));
      if (remote !== undefined) {
        this.#state.adopt(remote);
        await this.#state.save();
      }
      const journal = this.#d.journal;
      if (journal !== undefined) {
        const ids = new Set<string>();
        for (let after = 0; ids.size < TAKEOVER_SCAN; ) {
          const page = await journal.read(this.feed.id, after, 1000);
          if (page.length === 0) break;
          // A damaged record has no frame, hence no id to remember.
          for (const m of page) if (!m.damaged) ids.add(uuidToString(m.frame, 24));
          after = page.at(-1)!.seq;
        }
        this.#knownIds = ids;
      }
      return true;
    } catch (err) {
      this.#d.log.warn("feed takeover failed; not polling", { feed: this.feed.id, err: String(err) });
      return false;
    }
  }

  async #saveState(): Promise<void> {
    await this.#state.save();
    try {
      await this.#d.lease.shared?.save(this.feed.id, this.#state.state);
    } catch (err) {
      // The local copy is saved; the next holder may repeat some work, the journal de-duplicates it.
      this.#d.log.warn("feed shared state not saved", { feed: this.feed.id, err: String(err) });
    }
  }

  /** One GET through the rate limit, retries with full-jitter backoff, and the circuit breaker. */
  #request(
    url: string,
    accept: string,
    conditional?: { etag?: string; lastModified?: string },
  ): Promise<Fetched> {
    const feed = this.feed;
    const signal = this.#stop.signal;
    const wait = this.#d.sleep ?? sleep;
    return this.breaker.execute(() =>
      retry(
        async () => {
          await this.#paced(wait, signal);
          return fetchDocument(
            {
              url,
              accept,
              headers: feedHeaders(feed),
              timeoutMs: feed.timeoutMs,
              maxBytes: feed.maxBytes,
              signal,
              ...conditional,
            },
            this.#d.fetch,
          );
        },
        {
          attempts: feed.retry.attempts,
          baseMs: feed.retry.baseMs,
          capMs: feed.retry.capMs,
          sleep: wait,
          signal,
          ...(this.#d.random === undefined ? {} : { random: this.#d.random }),
          onRetry: (err, attempt, delayMs) =>
            this.#d.log.debug("feed request retry", {
              feed: feed.id,
              attempt,
              delayMs,
              err: err instanceof Error ? err.message : String(err),
            }),
        },
      ),
    );
  }

  /** Waits for a token of the feed's rate limit (polls pace themselves; they are never refused). */
  async #paced(wait: Sleep, signal: AbortSignal): Promise<void> {
    const limiter = this.#limiter;
    if (limiter === undefined) return;
    for (;;) {
      const r = limiter.tryAcquire(this.feed.id);
      if (r.ok) return;
      await wait(r.retryAfterMs, signal);
    }
  }

  /** Any parser failure is dead-lettered, a crash on hostile input included: it is input to look at. */
  async #deadLetter(format: DlqFormat, err: unknown, doc: Fetched): Promise<unknown> {
    const tac = err instanceof TacError ? err : undefined;
    await this.#d.dlq.add({
      feedId: this.feed.id,
      format,
      reason: err instanceof Error ? err.message : String(err),
      code: tac?.code ?? ErrorCode.Internal,
      ...(tac?.path === undefined ? {} : { path: tac.path }),
      ...(doc.contentType === undefined ? {} : { contentType: doc.contentType }),
      raw: doc.bytes,
    });
    this.counters.deadLettered++;
    this.#d.log.warn("feed document dead-lettered", { feed: this.feed.id, format, err: String(err) });
    return err;
  }
}
