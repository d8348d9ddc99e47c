/**
 * A `Map` with a size cap that forgets the least recently used entry first. Every limiter keyed by an
 * outside value (an IP, a signature) sits on one of these, so a flood of distinct keys costs at most
 * `maxSize` entries of memory instead of growing without bound.
 *
 * Recency is kept in a queue of its own, not in the Map's insertion order: on JavaScriptCore a Map leaves
 * a hole per delete, and an iterator walks over every hole at its front, so "the first key" of a Map
 * that keeps evicting costs more each time (20,000 inserts of new keys into a full 10,000-key map took
 * 300–480 ms, into a 262,144-key one 1.8 s and growing — a flood of distinct IPs would have been a CPU
 * attack on the limiter itself). Here every use pushes the key with a fresh stamp; eviction pops from
 * the front and skips entries whose stamp is stale; the queue is compacted once it holds twice the live
 * entries. All O(1) amortized.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, { value: V; stamp: number }>();
  readonly #maxSize: number;
  readonly #onEvict: ((key: K, value: V) => void) | undefined;
  // Uses, oldest first from `#head`: a key with the stamp it got then; stale when it was used again.
  #keys: (K | undefined)[] = [];
  #stamps: number[] = [];
  #head = 0;
  #stamp = 0;

  /**
   * @param maxSize - entries kept at most (≥ 1).
   * @param onEvict - called for each entry pushed out by the cap (not for explicit `delete`).
   */
  constructor(maxSize: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isInteger(maxSize) || maxSize < 1)
      throw new RangeError("LruMap maxSize must be an integer ≥ 1");
    this.#maxSize = maxSize;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Returns the value and marks the key as the most recently used. */
  get(key: K): V | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    this.#use(key, e);
    return e.value;
  }

  /** Reads without changing recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** Inserts or replaces the value as the most recently used, evicting the oldest entry if over the cap. */
  set(key: K, value: V): this {
    const e = this.#map.get(key);
    if (e !== undefined) {
      e.value = value;
      this.#use(key, e);
      return this;
    }
    const entry = { value, stamp: 0 };
    this.#map.set(key, entry);
    this.#use(key, entry);
    while (this.#map.size > this.#maxSize) {
      const oldest = this.#popOldest();
      if (oldest === undefined) break;
      const evicted = this.#map.get(oldest)!.value;
      this.#map.delete(oldest);
      this.#onEvict?.(oldest, evicted);
    }
    return this;
  }

  delete(key: K): boolean {
    // Its queue entries become stale: the key is no longer in the map (or has a newer stamp if re-added).
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
    this.#keys = [];
    this.#stamps = [];
    this.#head = 0;
  }

  /** Entries from least to most recently used. */
  *entries(): IterableIterator<[K, V]> {
    for (let i = this.#head; i < this.#keys.length; i++) {
      const key = this.#keys[i] as K;
      const e = this.#map.get(key);
      if (e !== undefined && e.stamp === this.#stamps[i]) yield [key, e.value];
    }
  }

  /** Marks the entry as used now (a fresh stamp, pushed to the queue). */
  #use(key: K, entry: { stamp: number }): void {
    entry.stamp = ++this.#stamp;
    this.#keys.push(key);
    this.#stamps.push(entry.stamp);
    if (this.#keys.length - this.#head > 2 * this.#map.size + 1024) this.#compact();
  }

  /** The least recently used key (its queue entry consumed), or undefined when the map is empty. */
  #popOldest(): K | undefined {
    while (this.#head < this.#keys.length) {
      const i = this.#head++;
      const key = this.#keys[i] as K;
      this.#keys[i] = undefined;
      if (this.#map.get(key)?.stamp === this.#stamps[i]) return key;
    }
    return undefined;
  }

  /** Drops stale and consumed queue entries (keeps the order of the live ones). */
  #compact(): void {
    const keys: (K | undefined)[] = [];
    const stamps: number[] = [];
    for (let i = this.#head; i < this.#keys.length; i++) {
      const key = this.#keys[i] as K;
      if (this.#map.get(key)?.stamp !== this.#stamps[i]) continue;
      keys.push(key);
      stamps.push(this.#stamps[i]!);
    }
    this.#keys = keys;
    this.#stamps = stamps;
    this.#head = 0;
  }
}
