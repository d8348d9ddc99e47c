import { LruMap } from "./lru.ts";
import { type AcquireResult, ADMITTED, type Now, requirePositive } from "./types.ts";

/** Float slack so a request scheduled exactly at its computed `retryAfterMs` is not refused by rounding. */
const EPSILON = 1e-9;

/**
 * One sliding-window counter with the two-bucket approximation (as Cloudflare's and nginx's limiters):
 * windows are aligned to multiples of `windowMs`; the count "in the last `windowMs`" is estimated as
 * `previous × (share of the previous window still inside the sliding window) + current`. O(1) memory
 * and time, exact when traffic is uniform, and never more than one window's worth off in the worst case.
 */
export class SlidingWindowCounter {
  readonly windowMs: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #previous = 0;
  #current = 0;

  constructor(windowMs: number) {
    requirePositive("windowMs", windowMs);
    this.windowMs = windowMs;
  }

  /** The approximate number of units taken in the `windowMs` ending at `now`. */
  estimate(now: number): number {
    this.#roll(now);
    const elapsed = Math.max(0, now - this.#windowStart);
    return (this.#previous * (this.windowMs - elapsed)) / this.windowMs + this.#current;
  }

  /** Takes `cost` units if that keeps the estimate within `limit`; otherwise says when it would. */
  tryAcquire(limit: number, cost: number, now: number): AcquireResult {
    if (cost > limit) throw new RangeError(`cost ${cost} can never fit in a limit of ${limit}`);
    if (this.estimate(now) + cost <= limit + EPSILON) {
      this.#current += cost;
      return ADMITTED;
    }
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(this.#waitMs(limit, cost, now))) };
  }

  /** Adds units without checking a limit (for callers that only observe a rate). */
  add(cost: number, now: number): void {
    this.#roll(now);
    this.#current += cost;
  }

  #roll(now: number): void {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    if (start === this.#windowStart) return;
    // A clock that steps backwards keeps the current window rather than forgetting what was counted.
    if (start < this.#windowStart) return;
    this.#previous = start === this.#windowStart + this.windowMs ? this.#current : 0;
    this.#current = 0;
    this.#windowStart = start;
  }

  /**
   * The estimate falls linearly while the previous bucket slides out. If the current bucket alone leaves
   * room, solve `previous × (W − e)/W + current + cost ≤ limit` for the elapsed time `e` in this window;
   * otherwise the wait runs into the next window, where today's `current` becomes the sliding part.
   */
  #waitMs(limit: number, cost: number, now: number): number {
    const w = this.windowMs;
    const elapsed = Math.max(0, now - this.#windowStart);
    if (this.#current + cost <= limit) {
      const needed = w - ((limit - this.#current - cost) * w) / this.#previous;
      return needed - elapsed;
    }
    const inNext = Math.max(0, w - ((limit - cost) * w) / this.#current);
    return w - elapsed + inNext;
  }
}

export interface SlidingWindowOptions {
  /** Units admitted per window. */
  limit: number;
  windowMs: number;
  now: Now;
  /**
   * Keys remembered at most (default 10,000). The least recently seen key is forgotten first; a key that
   * comes back after eviction starts from zero, which only matters to someone who controls more than
   * `maxKeys` distinct keys — and then a per-key limit is not the defence anyway.
   */
  maxKeys?: number;
}

/** A keyed sliding-window rate limiter: at most `limit` units per `windowMs` per key. */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: Now;
  readonly #counters: LruMap<string, SlidingWindowCounter>;

  constructor(options: SlidingWindowOptions) {
    requirePositive("limit", options.limit);
    requirePositive("windowMs", options.windowMs);
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.#now = options.now;
    this.#counters = new LruMap(options.maxKeys ?? 10_000);
  }

  /**
   * Takes `cost` units (default 1) for `key`.
   * @throws RangeError when `cost` exceeds `limit`: such a request could never be admitted.
   */
  tryAcquire(key: string, cost = 1): AcquireResult {
    let counter = this.#counters.get(key);
    if (counter === undefined) {
      counter = new SlidingWindowCounter(this.windowMs);
      this.#counters.set(key, counter);
    }
    return counter.tryAcquire(this.limit, cost, this.#now());
  }

  /** The approximate units used by `key` in the current sliding window (0 for an unknown key). */
  used(key: string): number {
    return this.#counters.peek(key)?.estimate(this.#now()) ?? 0;
  }

  /** Keys currently remembered (bounded by `maxKeys`). */
  get size(): number {
    return this.#counters.size;
  }
}
