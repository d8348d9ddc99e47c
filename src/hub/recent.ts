import type { StoredMessage } from "../journal/journal.ts";

/**
 * What one cached message costs beyond its frame bytes: the entry, the StoredMessage and the typed-array
 * view objects. Counted so the budget is close to the memory really held, not just the payload bytes.
 */
const ENTRY_OVERHEAD = 192;

/** A fanned-out message kept for resumes; its JSON text is built at most once, then shared. */
export interface Recent {
  m: StoredMessage;
  json?: string;
}

/** An array used as a queue: `start` moves instead of shifting, and the array is compacted now and then. */
class Queue<T> {
  items: T[] = [];
  start = 0;
  get size(): number {
    return this.items.length - this.start;
  }
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T | undefined {
    const x = this.items[this.start];
    if (x === undefined) return undefined;
    this.start++;
    if (this.start > 1024 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
    return x;
  }
}

/**
 * The newest messages this node fanned out, within a byte budget, oldest evicted first. Because fan-out
 * sees every durable message in seq order, the cache holds *every* message with seq above `floor`, for
 * every feed — so a client resuming from such a seq is served from memory, synchronously, and joins the
 * live topics in the same step: no journal round trip, no seam to guard. That is what makes a
 * thousand clients failing over to this node at once cheap (they all resume from a recent seq).
 */
export class RecentMessages {
  readonly #budget: number;
  readonly #all = new Queue<Recent>();
  readonly #byFeed = new Map<string, Queue<Recent>>();
  #bytes = 0;
  #floor = Number.POSITIVE_INFINITY;

  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }

  /** Every message with seq > floor is here (until the cache is reset). */
  get floor(): number {
    return this.#floor;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Starts over: messages after `floor` will be added in order from now on. */
  reset(floor: number): void {
    this.#all.items = [];
    this.#all.start = 0;
    this.#byFeed.clear();
    this.#bytes = 0;
    this.#floor = floor;
  }

  /** Adds the next message in seq order; returns its entry (the hub stores the JSON text in it). */
  add(m: StoredMessage): Recent {
    const entry: Recent = { m };
    if (this.#budget <= 0) {
      this.#floor = m.seq;
      return entry;
    }
    this.#all.push(entry);
    let q = this.#byFeed.get(m.feedId);
    if (q === undefined) {
      q = new Queue();
      this.#byFeed.set(m.feedId, q);
    }
    q.push(entry);
    this.#bytes += m.frame.byteLength + ENTRY_OVERHEAD;
    while (this.#bytes > this.#budget) this.#evict();
    return entry;
  }

  /** The cached messages of `feedId` with seq > `since`, oldest first; call only when `since >= floor`. */
  after(feedId: string, since: number): Recent[] {
    const q = this.#byFeed.get(feedId);
    if (q === undefined) return [];
    const items = q.items;
    let lo = q.start;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid]!.m.seq <= since) lo = mid + 1;
      else hi = mid;
    }
    return items.slice(lo);
  }

  #evict(): void {
    const old = this.#all.shift();
    if (old === undefined) return;
    this.#bytes -= old.m.frame.byteLength + ENTRY_OVERHEAD;
    this.#floor = old.m.seq;
    const q = this.#byFeed.get(old.m.feedId);
    q?.shift();
    if (q !== undefined && q.size === 0) this.#byFeed.delete(old.m.feedId);
  }
}
