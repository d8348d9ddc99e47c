import { createHmac, randomBytes } from "node:crypto";

/** Feeds whose tags are cached; beyond this the cache starts over (tags are cheap to recompute). */
const MAX_TAGS = 65_536;

/**
 * Message ids seen recently → the seq they were stored under. Bounded twice: entries older than
 * `windowMs` and, beyond `maxIds`, the oldest entries are forgotten.
 *
 * Keyed by the 16 id bytes themselves, in an open-addressing table of typed arrays, rather than a `Map`
 * of id strings: building a 36-character string, hashing it and probing a large `Map` took about a
 * tenth of the batched ingest path, and this costs a few integer operations and one or two cache lines.
 * The hash is seeded per process, so ids chosen by a client cannot be aimed at one bucket.
 * Insertion order is kept in a ring (an id is inserted only when absent, or re-inserted after it
 * expired), so expiry pops from one end and costs O(1) per id. Both structures grow on demand.
 *
 * De-duplication is per feed: the key is the id XOR a 128-bit tag of the feed, a keyed HMAC with a
 * per-process key. A publisher of one feed cannot choose an id that lands on another feed's message
 * (it would need the key), so it can neither suppress it nor learn its seq; the table keeps its four
 * words per entry and no allocation is made per message (tags are cached per feed).
 */
export class DedupWindow {
  private readonly maxIds: number;
  private readonly seed = (Math.random() * 0x100000000) | 0;
  private readonly tagKey = randomBytes(32);
  private readonly tags = new Map<string, Int32Array>();
  // The table: per slot, the id as four 32-bit words, its seq, its hash and whether it is used.
  private mask = 0;
  private keys = new Int32Array(0);
  private vals = new Float64Array(0);
  private hashes = new Int32Array(0);
  private used = new Uint8Array(0);
  private entries = 0;
  // The ring, oldest first from `head`: id words, time and seq of every insertion.
  private ringKeys = new Int32Array(0);
  private ringTimes = new Float64Array(0);
  private ringSeqs = new Float64Array(0);
  private head = 0;
  private count = 0;

  constructor(
    private readonly windowMs: number,
    maxIds: number,
  ) {
    this.maxIds = windowMs > 0 ? maxIds : 0;
    if (this.maxIds > 0) {
      this.resizeTable(1024);
      this.resizeRing(Math.min(this.maxIds, 1024));
    }
  }

  get size(): number {
    return this.count;
  }

  /** The feed's tag, to pass to `get` and `add`. */
  tag(feedId: string): Int32Array {
    let t = this.tags.get(feedId);
    if (t === undefined) {
      const mac = createHmac("sha256", this.tagKey).update(feedId).digest();
      t = new Int32Array([mac.readInt32BE(0), mac.readInt32BE(4), mac.readInt32BE(8), mac.readInt32BE(12)]);
      if (this.tags.size >= MAX_TAGS) this.tags.clear();
      this.tags.set(feedId, t);
    }
    return t;
  }

  /** The seq the id at `bytes[at..at+16)` was stored under in the feed of `tag`, if it is in the window. */
  get(bytes: Uint8Array, at: number, tag: Int32Array): number | undefined {
    if (this.maxIds === 0) return undefined;
    const w0 = word(bytes, at) ^ tag[0]!;
    const w1 = word(bytes, at + 4) ^ tag[1]!;
    const w2 = word(bytes, at + 8) ^ tag[2]!;
    const w3 = word(bytes, at + 12) ^ tag[3]!;
    const slot = this.find(w0, w1, w2, w3, this.hash(w0, w1, w2, w3));
    return this.used[slot] === 1 ? this.vals[slot] : undefined;
  }

  /**
   * Records the id at `bytes[at..at+16)` of the feed of `tag` as stored under `seq` at `time`. With
   * `keepFirst`, an id already in the window keeps its seq and nothing is recorded (JetStream: the same
   * id may arrive from this node's ack and from the tail, or stored twice by two nodes racing; the
   * lower, first seq is the one every retry must get).
   */
  add(bytes: Uint8Array, at: number, tag: Int32Array, seq: number, time: number, keepFirst = false): void {
    if (this.maxIds === 0) return;
    const w0 = word(bytes, at) ^ tag[0]!;
    const w1 = word(bytes, at + 4) ^ tag[1]!;
    const w2 = word(bytes, at + 8) ^ tag[2]!;
    const w3 = word(bytes, at + 12) ^ tag[3]!;
    const h = this.hash(w0, w1, w2, w3);
    let slot = this.find(w0, w1, w2, w3, h);
    if (keepFirst && this.used[slot] === 1) return;
    if (this.count === this.maxIds) {
      this.evictOldest();
      // Eviction may have moved entries of this probe run.
      slot = this.find(w0, w1, w2, w3, h);
    }
    if (this.used[slot] === 0) {
      if ((this.entries + 1) * 2 > this.mask + 1) {
        this.resizeTable((this.mask + 1) * 2);
        slot = this.find(w0, w1, w2, w3, h);
      }
      putWords(this.keys, slot * 4, w0, w1, w2, w3);
      this.hashes[slot] = h;
      this.used[slot] = 1;
      this.entries++;
    }
    this.vals[slot] = seq;
    if (this.count === this.ringSeqs.length) this.resizeRing(Math.min(this.maxIds, this.count * 2));
    const r = (this.head + this.count) % this.ringSeqs.length;
    putWords(this.ringKeys, r * 4, w0, w1, w2, w3);
    this.ringTimes[r] = time;
    this.ringSeqs[r] = seq;
    this.count++;
  }

  /** Forgets every id. */
  clear(): void {
    this.used.fill(0);
    this.entries = 0;
    this.head = 0;
    this.count = 0;
  }

  /** Forgets ids recorded at or before `now - windowMs`. */
  expire(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.count > 0 && this.ringTimes[this.head]! <= cutoff) this.evictOldest();
  }

  private evictOldest(): void {
    const rk = this.head * 4;
    const w0 = this.ringKeys[rk]!;
    const w1 = this.ringKeys[rk + 1]!;
    const w2 = this.ringKeys[rk + 2]!;
    const w3 = this.ringKeys[rk + 3]!;
    const slot = this.find(w0, w1, w2, w3, this.hash(w0, w1, w2, w3));
    // The id may have been stored again after an earlier entry expired; only its own entry goes.
    if (this.used[slot] === 1 && this.vals[slot] === this.ringSeqs[this.head]) this.remove(slot);
    this.head = (this.head + 1) % this.ringSeqs.length;
    this.count--;
  }

  private hash(w0: number, w1: number, w2: number, w3: number): number {
    let h = this.seed;
    h = Math.imul(h ^ w0, 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h ^ w1, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h ^ w2, 0xc2b2ae35);
    h ^= h >>> 16;
    h = Math.imul(h ^ w3, 0x27d4eb2f);
    return h ^ (h >>> 15);
  }

  /** The slot holding the id, or the empty slot where it would go (linear probing). */
  private find(w0: number, w1: number, w2: number, w3: number, h: number): number {
    const keys = this.keys;
    let slot = h & this.mask;
    while (this.used[slot] === 1) {
      const k = slot * 4;
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3) return slot;
      slot = (slot + 1) & this.mask;
    }
    return slot;
  }

  /** Empties a slot, shifting later entries of its probe run back so that no lookup stops short. */
  private remove(slot: number): void {
    const mask = this.mask;
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      if (this.used[j] === 0) break;
      const home = this.hashes[j]! & mask;
      // The entry at j may move into the hole only if its home is not cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      this.keys.copyWithin(hole * 4, j * 4, j * 4 + 4);
      this.vals[hole] = this.vals[j]!;
      this.hashes[hole] = this.hashes[j]!;
      hole = j;
    }
    this.used[hole] = 0;
    this.entries--;
  }

  private resizeTable(capacity: number): void {
    const { keys, vals, hashes, used } = this;
    this.mask = capacity - 1;
    this.keys = new Int32Array(capacity * 4);
    this.vals = new Float64Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.used = new Uint8Array(capacity);
    for (let s = 0; s < used.length; s++) {
      if (used[s] !== 1) continue;
      const k = s * 4;
      const w0 = keys[k]!;
      const w1 = keys[k + 1]!;
      const w2 = keys[k + 2]!;
      const w3 = keys[k + 3]!;
      const slot = this.find(w0, w1, w2, w3, hashes[s]!);
      this.keys.set(keys.subarray(k, k + 4), slot * 4);
      this.vals[slot] = vals[s]!;
      this.hashes[slot] = hashes[s]!;
      this.used[slot] = 1;
    }
  }

  /** Grows the ring, laying its entries out oldest first from index 0. */
  private resizeRing(capacity: number): void {
    const old = this.ringSeqs.length;
    const keys = new Int32Array(capacity * 4);
    const times = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % old;
      keys.set(this.ringKeys.subarray(from * 4, from * 4 + 4), i * 4);
      times[i] = this.ringTimes[from]!;
      seqs[i] = this.ringSeqs[from]!;
    }
    this.ringKeys = keys;
    this.ringTimes = times;
    this.ringSeqs = seqs;
    this.head = 0;
  }
}

function putWords(a: Int32Array, at: number, w0: number, w1: number, w2: number, w3: number): void {
  a[at] = w0;
  a[at + 1] = w1;
  a[at + 2] = w2;
  a[at + 3] = w3;
}

function word(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}
