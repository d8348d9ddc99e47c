import type { DamageReason } from "../protocol/errors.ts";
import type { StoredMessage } from "./journal.ts";

/**
 * What one held message costs beyond its frame bytes: its slot in each column (seq, offset, length,
 * chunk, feed, priority, expiry, text reference), rounded up.
 */
export const SLOT_BYTES = 48;
const MIN_CHUNK = 256;
const MAX_CHUNK = 1024 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * The newest messages in memory, in the order they were pushed, within a byte budget, oldest evicted
 * first — without one heap object per message. Frames are copied into chunks (large ArrayBuffers dropped
 * whole once their last frame is evicted) and everything else sits in typed-array columns indexed by a
 * running slot number.
 *
 * Why not an array of message objects: a cache of 64 MiB holds ~150,000 messages, and with three objects
 * each (entry, message, frame view) the collector traced half a million live objects on every full
 * collection and rescanned the containers on every young one. On one core that was measured as eden
 * collections of 3–17 ms at 60 % mutator utilization, every ~0.7 s under 10k msg/s, and in the p99 of
 * fan-out (docs/benchmarks.md, "GC"). Columns and chunks are a few dozen cells whatever the count.
 *
 * A slot number `i` stays valid (`has(i)`) until its message is evicted; views returned by `frameAt`
 * stay valid after that (they keep their chunk alive), chunks are never written twice.
 */
export class MessageRing {
  readonly #budget: number;
  readonly #chunkBytes: number;
  #mask = -1;
  #seq = new Float64Array(0);
  #off = new Int32Array(0);
  #len = new Int32Array(0);
  #chunk = new Float64Array(0);
  #feed = new Int32Array(0);
  #prio = new Uint8Array(0);
  #exp = new Float64Array(0);
  #text: (string | undefined)[] = [];
  #textBytes = new Int32Array(0);
  #first = 0;
  #end = 0;
  /** Chunks in serial order: `#chunks[#chunkHead]` has serial `#chunkBase`. */
  #chunks: ArrayBuffer[] = [];
  #chunkHead = 0;
  #chunkBase = 0;
  /** The chunk frames are copied into (the newest), null when none has room. */
  #cur: Uint8Array | null = null;
  #curUsed = 0;
  #bytes = 0;
  #damaged = new Map<number, DamageReason>();
  readonly #feedNo = new Map<string, number>();
  readonly #feedNames: string[] = [];
  readonly #feedCount: number[] = [];
  readonly #freeFeeds: number[] = [];
  /** Called for each message just before it is evicted (`feedNo` still names its feed). */
  onEvict: ((i: number, feedNo: number) => void) | undefined;

  constructor(budgetBytes: number) {
    this.#budget = Math.max(0, budgetBytes);
    this.#chunkBytes = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.floor(this.#budget / 16)));
  }

  get budget(): number {
    return this.#budget;
  }
  /** Bytes charged: chunks held, slots, texts. */
  get bytes(): number {
    return this.#bytes;
  }
  /** Slot number of the oldest message held. */
  get first(): number {
    return this.#first;
  }
  /** One past the newest slot number. */
  get end(): number {
    return this.#end;
  }
  get size(): number {
    return this.#end - this.#first;
  }
  has(i: number): boolean {
    return i >= this.#first && i < this.#end;
  }

  /**
   * Copies the message in and returns its slot number. Nothing is evicted here: call `trim()` after
   * (callers index the new slot first, so that eviction finds it where it expects).
   */
  push(m: StoredMessage): number {
    return this.pushFields(m.seq, m.feedId, m.priority, m.expiresAt, m.frame, m.damaged);
  }

  /** `push` without a message object. */
  pushFields(
    seq: number,
    feedId: string,
    priority: number,
    expiresAt: number,
    frame: Uint8Array,
    damaged?: DamageReason,
  ): number {
    if (this.#end - this.#first === this.#mask + 1) this.#grow();
    const i = this.#end++;
    const k = i & this.#mask;
    const n = frame.byteLength;
    this.#seq[k] = seq;
    this.#len[k] = n;
    this.#prio[k] = priority;
    this.#exp[k] = expiresAt;
    // The text column is already clear here (eviction clears it): no write into the old-generation array.
    this.#feed[k] = this.#numberFeed(feedId);
    if (damaged !== undefined) this.#damaged.set(i, damaged);
    if (n === 0) {
      this.#off[k] = 0;
      this.#chunk[k] = this.#chunkBase + this.#chunks.length - this.#chunkHead - 1;
    } else if (n > this.#chunkBytes >> 1) {
      // A large frame gets a buffer of its own, and the current chunk is closed: serials stay in slot order.
      this.#cur = null;
      this.#chunk[k] = this.#addChunk(new Uint8Array(frame));
      this.#off[k] = 0;
    } else {
      if (this.#cur === null || this.#curUsed + n > this.#cur.byteLength) {
        this.#cur = new Uint8Array(this.#chunkBytes);
        this.#curUsed = 0;
        this.#addChunk(this.#cur);
      }
      this.#cur.set(frame, this.#curUsed);
      this.#off[k] = this.#curUsed;
      this.#chunk[k] = this.#chunkBase + this.#chunks.length - this.#chunkHead - 1;
      this.#curUsed += n;
    }
    this.#bytes += SLOT_BYTES;
    return i;
  }

  /** Evicts oldest first until the budget holds again. */
  trim(): void {
    while (this.#bytes > this.#budget && this.#end > this.#first) this.evictOldest();
  }

  evictOldest(): void {
    const i = this.#first;
    if (i >= this.#end) return;
    const k = i & this.#mask;
    const feed = this.#feed[k]!;
    this.onEvict?.(i, feed);
    this.#first = i + 1;
    this.#bytes -= SLOT_BYTES;
    if (this.#text[k] !== undefined) {
      this.#bytes -= this.#textBytes[k]!;
      this.#text[k] = undefined;
      this.#textBytes[k] = 0;
    }
    if (this.#damaged.size > 0) this.#damaged.delete(i);
    if (--this.#feedCount[feed]! === 0) {
      this.#feedNo.delete(this.#feedNames[feed]!);
      this.#freeFeeds.push(feed);
    }
    // Chunks before the next held message's are let go; with nothing held, all of them.
    const keep = this.#first < this.#end ? this.#chunk[this.#first & this.#mask]! : Number.POSITIVE_INFINITY;
    while (this.#chunkHead < this.#chunks.length && this.#chunkBase < keep) {
      const buf = this.#chunks[this.#chunkHead]!;
      this.#bytes -= buf.byteLength;
      if (this.#cur !== null && this.#cur.buffer === buf) this.#cur = null;
      this.#chunks[this.#chunkHead++] = undefined as unknown as ArrayBuffer;
      this.#chunkBase++;
    }
    if (this.#chunkHead > 64 && this.#chunkHead * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#chunkHead);
      this.#chunkHead = 0;
    }
  }

  /** Drops everything (slot numbers keep counting up, so old ones never name a new message). */
  clear(): void {
    while (this.#end > this.#first) this.evictOldest();
  }

  seqAt(i: number): number {
    return this.#seq[i & this.#mask]!;
  }
  priorityAt(i: number): number {
    return this.#prio[i & this.#mask]!;
  }
  expiresAtAt(i: number): number {
    return this.#exp[i & this.#mask]!;
  }
  lengthAt(i: number): number {
    return this.#len[i & this.#mask]!;
  }
  feedNoAt(i: number): number {
    return this.#feed[i & this.#mask]!;
  }
  feedAt(i: number): string {
    return this.#feedNames[this.#feed[i & this.#mask]!]!;
  }
  damagedAt(i: number): DamageReason | undefined {
    return this.#damaged.size === 0 ? undefined : this.#damaged.get(i);
  }
  /** The frame as a view of its chunk (valid for as long as the caller keeps it). */
  frameAt(i: number): Uint8Array {
    const k = i & this.#mask;
    const n = this.#len[k]!;
    if (n === 0) return EMPTY;
    const buf = this.#chunks[this.#chunk[k]! - this.#chunkBase + this.#chunkHead]!;
    return new Uint8Array(buf, this.#off[k]!, n);
  }
  message(i: number): StoredMessage {
    const damaged = this.damagedAt(i);
    const m: StoredMessage = {
      seq: this.seqAt(i),
      feedId: this.feedAt(i),
      priority: this.priorityAt(i),
      expiresAt: this.expiresAtAt(i),
      frame: this.frameAt(i),
    };
    if (damaged !== undefined) m.damaged = damaged;
    return m;
  }
  textAt(i: number): string | undefined {
    return this.#text[i & this.#mask];
  }
  /** Keeps a text with the message, charged `bytes`; call `trim()` after. */
  setText(i: number, text: string, bytes: number): void {
    const k = i & this.#mask;
    this.#bytes += bytes - this.#textBytes[k]!;
    this.#text[k] = text;
    this.#textBytes[k] = bytes;
  }
  /** The number a feed's messages carry while any is held; undefined when none is. */
  feedNumber(feedId: string): number | undefined {
    return this.#feedNo.get(feedId);
  }

  #numberFeed(feedId: string): number {
    let no = this.#feedNo.get(feedId);
    if (no === undefined) {
      no = this.#freeFeeds.pop() ?? this.#feedNames.length;
      this.#feedNo.set(feedId, no);
      this.#feedNames[no] = feedId;
      this.#feedCount[no] = 0;
    }
    this.#feedCount[no]!++;
    return no;
  }

  #addChunk(bytes: Uint8Array): number {
    this.#chunks.push(bytes.buffer as ArrayBuffer);
    this.#bytes += bytes.byteLength;
    return this.#chunkBase + this.#chunks.length - this.#chunkHead - 1;
  }

  #grow(): void {
    const cap = Math.max(64, (this.#mask + 1) * 2);
    const mask = cap - 1;
    const move = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(cap);
      for (let i = this.#first; i < this.#end; i++) next[i & mask] = old[i & this.#mask]!;
      return next;
    };
    this.#seq = move(this.#seq, (n) => new Float64Array(n));
    this.#off = move(this.#off, (n) => new Int32Array(n));
    this.#len = move(this.#len, (n) => new Int32Array(n));
    this.#chunk = move(this.#chunk, (n) => new Float64Array(n));
    this.#feed = move(this.#feed, (n) => new Int32Array(n));
    this.#prio = move(this.#prio, (n) => new Uint8Array(n));
    this.#exp = move(this.#exp, (n) => new Float64Array(n));
    this.#textBytes = move(this.#textBytes, (n) => new Int32Array(n));
    const text: (string | undefined)[] = new Array(cap).fill(undefined);
    for (let i = this.#first; i < this.#end; i++) text[i & mask] = this.#text[i & this.#mask];
    this.#text = text;
    this.#mask = mask;
  }
}
