import { LruMap } from "./lru.ts";
import { type AcquireResult, ADMITTED, type Now, requirePositive } from "./types.ts";

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

export interface TokenBucketOptions {
  /** Tokens added per second. */
  rate: number;
  /** Bucket capacity: the largest burst admitted after a quiet period. */
  burst: number;
  now: Now;
  /**
   * Keys remembered at most (default 10,000), least recently used forgotten first. A forgotten key comes
   * back with a full bucket — exactly what an idle key would have had — so evicting idle keys loses
   * nothing; only someone rotating through more than `maxKeys` active keys gains a fresh burst.
   */
  maxKeys?: number;
}

/**
 * A keyed token bucket: each key earns `rate` tokens per second up to `burst`; a request spends `cost`
 * tokens. Buckets are refilled lazily on access, so idle keys cost no timers.
 */
export class TokenBucketLimiter {
  readonly rate: number;
  readonly burst: number;
  readonly #now: Now;
  readonly #buckets: LruMap<string, Bucket>;

  constructor(options: TokenBucketOptions) {
    requirePositive("rate", options.rate);
    requirePositive("burst", options.burst);
    this.rate = options.rate;
    this.burst = options.burst;
    this.#now = options.now;
    this.#buckets = new LruMap(options.maxKeys ?? 10_000);
  }

  /**
   * Spends `cost` tokens (default 1) of `key`'s bucket.
   * @throws RangeError when `cost` exceeds `burst`: such a request could never be admitted.
   */
  tryAcquire(key: string, cost = 1): AcquireResult {
    if (cost > this.burst) throw new RangeError(`cost ${cost} can never fit in a burst of ${this.burst}`);
    const bucket = this.#refill(key);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return ADMITTED;
    }
    const retryAfterMs = Math.max(1, Math.ceil(((cost - bucket.tokens) * 1000) / this.rate));
    return { ok: false, retryAfterMs };
  }

  /** Tokens `key` holds now (a full `burst` for an unknown key). */
  available(key: string): number {
    const bucket = this.#buckets.peek(key);
    if (bucket === undefined) return this.burst;
    return Math.min(this.burst, bucket.tokens + (Math.max(0, this.#now() - bucket.at) * this.rate) / 1000);
  }

  /** Keys currently remembered (bounded by `maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }

  #refill(key: string): Bucket {
    const now = this.#now();
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      const fresh = { tokens: this.burst, at: now };
      this.#buckets.set(key, fresh);
      return fresh;
    }
    // max(0, …): a clock stepping backwards must not drain tokens.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed * this.rate) / 1000);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }
}
