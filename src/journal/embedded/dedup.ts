/**
 * Message ids seen recently → the seq they were stored under. Bounded twice: entries older than
 * `windowMs` and, beyond `maxIds`, the oldest entries are forgotten. Ids are kept in a ring in insertion
 * order (an id is inserted only when absent), so expiry pops from one end and costs O(1) per id.
 */
export class DedupWindow {
  private readonly map = new Map<string, number>();
  private readonly ids: (string | undefined)[];
  private readonly times: Float64Array;
  private readonly seqs: Float64Array;
  private head = 0;
  private count = 0;

  constructor(
    private readonly windowMs: number,
    maxIds: number,
  ) {
    const capacity = windowMs > 0 ? maxIds : 0;
    this.ids = new Array<string | undefined>(capacity);
    this.times = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  get(id: string): number | undefined {
    return this.map.get(id);
  }

  /** Records `id` as stored under `seq` at time `at` (a newer store of the same id wins). */
  add(id: string, seq: number, at: number): void {
    const capacity = this.ids.length;
    if (capacity === 0) return;
    if (this.count === capacity) this.evictOldest();
    const slot = (this.head + this.count) % capacity;
    this.ids[slot] = id;
    this.times[slot] = at;
    this.seqs[slot] = seq;
    this.count++;
    this.map.set(id, seq);
  }

  /** Forgets ids recorded at or before `now - windowMs`. */
  expire(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.count > 0 && this.times[this.head]! <= cutoff) this.evictOldest();
  }

  private evictOldest(): void {
    const id = this.ids[this.head];
    // The id may have been stored again after an earlier entry expired; only its own entry goes.
    if (id !== undefined && this.map.get(id) === this.seqs[this.head]) this.map.delete(id);
    this.ids[this.head] = undefined;
    this.head = (this.head + 1) % this.ids.length;
    this.count--;
  }
}

const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
const keyScratch = new Uint8Array(36);
const latin1 = new TextDecoder("latin1");

/**
 * The canonical lower-case string of the 16 id bytes at `offset`, as one flat string: decoding ASCII
 * bytes is about twice as fast to build and hash as a concatenated (rope) string.
 */
export function uuidKey(bytes: Uint8Array, offset: number): string {
  let p = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) keyScratch[p++] = 0x2d;
    const b = bytes[offset + i]!;
    keyScratch[p++] = HEX_DIGITS[b >> 4]!;
    keyScratch[p++] = HEX_DIGITS[b & 15]!;
  }
  return latin1.decode(keyScratch);
}
