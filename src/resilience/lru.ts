/**
 * A `Map` with a size cap that forgets the least recently used entry first. Every limiter keyed by an
 * outside value (an IP, a signature) sits on one of these, so a flood of distinct keys costs at most
 * `maxSize` entries of memory instead of growing without bound.
 *
 * Recency is tracked by re-inserting on access: a JS `Map` iterates in insertion order, so the first
 * key is always the least recently used one and eviction is O(1).
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #maxSize: number;
  readonly #onEvict: ((key: K, value: V) => void) | undefined;

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
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** Reads without changing recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** Inserts or replaces the value as the most recently used, evicting the oldest entry if over the cap. */
  set(key: K, value: V): this {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.#maxSize) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      const evicted = this.#map.get(oldest.value) as V;
      this.#map.delete(oldest.value);
      this.#onEvict?.(oldest.value, evicted);
    }
    return this;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }
}
