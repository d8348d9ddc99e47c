import type { FeedSummary, StoredMessage } from "../journal/journal.ts";
import { frameTimestamp } from "../protocol/frame.ts";

/** One feed of the journal as the catalog knows it. */
export interface CatalogEntry {
  readonly feedId: string;
  /** Messages retained at start plus those appended since (retention is not subtracted until restart). */
  readonly count: number;
  /** Seq of the newest message. */
  readonly head: number;
  /** Timestamp of the newest message (epoch ms), null when unknown. */
  readonly newestAt: number | null;
}

/** The hot path keeps the newest frame; its timestamp is read only when someone lists the catalog. */
class Entry implements CatalogEntry {
  readonly feedId: string;
  count: number;
  head: number;
  #at: number | null;
  frame: Uint8Array | undefined;

  constructor(feedId: string, count: number, head: number, at: number | null, frame?: Uint8Array) {
    this.feedId = feedId;
    this.count = count;
    this.head = head;
    this.#at = at;
    this.frame = frame;
  }

  get newestAt(): number | null {
    if (this.frame !== undefined) {
      this.#at = frameTimestamp(this.frame);
      this.frame = undefined;
    }
    return this.#at;
  }

  setAt(v: number): void {
    this.#at = v;
    this.frame = undefined;
  }

  toJSON(): CatalogEntry {
    return { feedId: this.feedId, count: this.count, head: this.head, newestAt: this.newestAt };
  }
}

/** `firstSeq`: the seq of the feed's first message seen (the seeded head for feeds known at start). */
export type NewFeedListener = (feedId: string, firstSeq: number) => void;

/**
 * Every feed that has messages in the journal, kept as messages become durable (the hub feeds it its
 * tail) and seeded once from what the journal already knows (`Journal.feeds`). `GET /v1/feeds` and
 * pattern subscriptions read it: a listing costs the number of feeds, never a scan of the messages.
 *
 * Messages the tail delivers while the seed is being read are held and applied after it, keeping only
 * those past the seeded head of their feed, so none is counted twice.
 */
export class FeedCatalog {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<NewFeedListener>();
  #held: StoredMessage[] | undefined;

  get size(): number {
    return this.#entries.size;
  }

  get(feedId: string): CatalogEntry | undefined {
    return this.#entries.get(feedId);
  }

  /** Feed ids, sorted. */
  ids(): string[] {
    return [...this.#entries.keys()].sort();
  }

  entries(): CatalogEntry[] {
    return this.ids().map((id) => this.#entries.get(id)!);
  }

  /** Called for each feed seen for the first time (seeded or appended); returns an unsubscribe. */
  onNewFeed(listener: NewFeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** From now until `seed`, observed messages are held (the seed's snapshot may or may not include them). */
  beginSeed(): void {
    this.#held ??= [];
  }

  seed(summaries: readonly FeedSummary[]): void {
    for (const s of summaries) {
      const e = this.#entries.get(s.feedId);
      if (e !== undefined && e.head >= s.head) continue;
      if (e === undefined) {
        this.#entries.set(s.feedId, new Entry(s.feedId, s.count, s.head, s.newestAt ?? null));
        this.#announce(s.feedId, s.head);
      } else {
        e.count = s.count;
        e.head = s.head;
        if (s.newestAt !== undefined) e.setAt(s.newestAt);
      }
    }
    const held = this.#held ?? [];
    this.#held = undefined;
    this.observe(held);
  }

  /** Gives up a seed that failed: what was held is applied as it is. */
  abandonSeed(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.observe(held);
  }

  /** A batch of durable messages, in seq order. */
  observe(batch: readonly StoredMessage[]): void {
    if (this.#held !== undefined) {
      for (const m of batch) this.#held.push(m);
      return;
    }
    for (const m of batch) this.observeOne(m);
  }

  /**
   * One durable message. A feed's first message announces the feed before the caller publishes it, so
   * a pattern subscriber joined on the announcement receives that first message too.
   */
  observeOne(m: StoredMessage): void {
    if (this.#held !== undefined) {
      this.#held.push(m);
      return;
    }
    const e = this.#entries.get(m.feedId);
    if (e === undefined) {
      this.#entries.set(m.feedId, new Entry(m.feedId, 1, m.seq, null, m.frame));
      this.#announce(m.feedId, m.seq);
    } else if (m.seq > e.head) {
      e.count++;
      e.head = m.seq;
      e.frame = m.frame;
    }
  }

  #announce(feedId: string, firstSeq: number): void {
    for (const l of this.#listeners) l(feedId, firstSeq);
  }
}
