import { framePackedBuffers, type StoredMessage } from "../journal/journal.ts";

/**
 * What one cached message costs beyond its frame bytes: the entry, the StoredMessage and the typed-array
 * view objects. Counted so the budget is close to the memory really held, not just the payload bytes.
 */
const ENTRY_OVERHEAD = 192;

/** A fanned-out message kept for resumes; its JSON text is built at most once, then shared. */
export interface Recent {
  m: StoredMessage;
  json?: string;
  /** Bytes this entry was charged to the budget (frame, JSON text once set, overhead). */
  cost: number;
}

/**
 * Bytes a string occupies: JavaScriptCore keeps a string with only Latin-1 characters at one byte per
 * character, anything else at two. The cached JSON text is often as large as the frame, so leaving it
 * out of the count let the cache hold several times its budget.
 */
export function stringBytes(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole Latin-1 range is the point
  return /[^\u0000-\u00ff]/.test(s) ? s.length * 2 : s.length;
}

/** An array used as a queue: `start` moves instead of shifting, and the array is compacted now and then. */
class Queue<T> {
  items: (T | undefined)[] = [];
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
    // The slot is cleared at once: left until the next compaction, up to as many evicted entries as
    // live ones stayed reachable, and the cache held twice its budget.
    this.items[this.start] = undefined;
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
  /** The packed buffer the previous entry viewed: already charged. */
  #charged: ArrayBufferLike | undefined;

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
    this.#charged = undefined;
    this.#floor = floor;
  }

  /** Adds the next message in seq order; returns its entry (the hub stores the JSON text in it). */
  add(m: StoredMessage): Recent {
    if (this.#budget <= 0) {
      this.#floor = m.seq;
      return { m, cost: 0 };
    }
    // A frame viewing a larger buffer would keep all of it alive. A packed buffer (an ingest batch, its
    // frames arriving here one after another) is kept and charged whole with its first frame — copying
    // each frame out cost an allocation per message on the hot path. Any other buffer (a request body, a
    // read span) is not ours to keep: the cache copies the frame, so what it counts is what it holds.
    // Eviction is oldest first, so at most the oldest packed buffer is held past its charge.
    const buf = m.frame.buffer;
    let cost = ENTRY_OVERHEAD;
    if (framePackedBuffers.has(buf)) {
      // Charged whole with its first frame; its other frames cost only their entries.
      if (buf !== this.#charged) cost += buf.byteLength;
      this.#charged = buf;
    } else {
      if (buf.byteLength > m.frame.byteLength * 2) m = { ...m, frame: m.frame.slice() };
      cost += m.frame.byteLength;
    }
    const entry: Recent = { m, cost };
    this.#all.push(entry);
    let q = this.#byFeed.get(m.feedId);
    if (q === undefined) {
      q = new Queue();
      this.#byFeed.set(m.feedId, q);
    }
    q.push(entry);
    this.#bytes += entry.cost;
    while (this.#bytes > this.#budget) this.#evict();
    return entry;
  }

  /** The JSON text of a cached entry, built at most once; its bytes count against the budget. */
  json(entry: Recent, build: (frame: Uint8Array) => string): string {
    if (entry.json !== undefined) return entry.json;
    const text = build(entry.m.frame);
    entry.json = text;
    // Entries already evicted (or never cached: zero budget) hold the text only as long as the caller.
    if (entry.cost > 0 && this.#budget > 0) {
      const extra = stringBytes(text);
      entry.cost += extra;
      this.#bytes += extra;
      while (this.#bytes > this.#budget) this.#evict();
    }
    return text;
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
    return items.slice(lo) as Recent[];
  }

  #evict(): void {
    const old = this.#all.shift();
    if (old === undefined) return;
    this.#bytes -= old.cost;
    // Marks it evicted: a JSON text built for it later is not charged to the cache.
    old.cost = 0;
    this.#floor = old.m.seq;
    const q = this.#byFeed.get(old.m.feedId);
    q?.shift();
    if (q !== undefined && q.size === 0) this.#byFeed.delete(old.m.feedId);
  }
}
