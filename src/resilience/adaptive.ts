import { SlidingWindowCounter } from "./sliding-window.ts";
import { type AcquireResult, type Now, requirePositive } from "./types.ts";

export interface AdaptiveLimiterOptions {
  /** Requests per `windowMs` to start with. */
  initialLimit: number;
  /** The limit never grows beyond this. */
  maxLimit: number;
  /** The limit never shrinks below this (default 1). */
  minLimit?: number;
  /** The rate window (default 1000 ms: the limit is then requests per second, as in the seed). */
  windowMs?: number;
  /** Outcomes are judged over the last one to two of these windows (default 10,000 ms). */
  statsWindowMs?: number;
  /** Outcomes needed before the limiter trusts its statistics enough to raise the limit (default 20). */
  minSamples?: number;
  /** Growth while healthy (default 1.1: +10 %). */
  increaseFactor?: number;
  /** Shrink on errors (default 0.5). */
  decreaseFactor?: number;
  /** Healthy means an error rate below this (default 0.01)… */
  maxErrorRate?: number;
  /** …and an average latency below this (default 100 ms). */
  maxLatencyMs?: number;
  now: Now;
}

/** One outcome of a request the limiter admitted. */
export interface Outcome {
  ok: boolean;
  latencyMs: number;
}

export interface AdaptiveSnapshot {
  limit: number;
  samples: number;
  errorRate: number;
  averageLatencyMs: number;
}

interface StatsBucket {
  count: number;
  errors: number;
  latencySum: number;
}

const emptyBucket = (): StatsBucket => ({ count: 0, errors: 0, latencySum: 0 });

/**
 * The seed's adaptive rate limiter, made safe against runaway growth (AIMD, as TCP congestion control):
 *
 * - **Raise**: when a request finds the window full, and the recent outcomes are healthy (at least
 *   `minSamples` of them, error rate < 1 %, average latency < 100 ms), the limit grows by 10 % — at most
 *   once per rate window, so a burst of refused requests cannot ratchet it up 10 % per request — and
 *   never beyond `maxLimit`. Without demand at the limit there is no growth.
 * - **Lower**: when a failure is recorded and the recent error rate is ≥ 1 %, the limit is halved —
 *   at most once per rate window, so one incident's burst of errors halves it once — and never below
 *   `minLimit`. High latency alone stops growth but does not shrink the limit.
 */
export class AdaptiveLimiter {
  #limit: number;
  readonly #o: Required<Omit<AdaptiveLimiterOptions, "initialLimit">>;
  readonly #window: SlidingWindowCounter;
  #statsStart = Number.NEGATIVE_INFINITY;
  #previous = emptyBucket();
  #current = emptyBucket();
  #lastIncrease = Number.NEGATIVE_INFINITY;
  #lastDecrease = Number.NEGATIVE_INFINITY;

  constructor(options: AdaptiveLimiterOptions) {
    this.#o = {
      minLimit: 1,
      windowMs: 1000,
      statsWindowMs: 10_000,
      minSamples: 20,
      increaseFactor: 1.1,
      decreaseFactor: 0.5,
      maxErrorRate: 0.01,
      maxLatencyMs: 100,
      ...options,
    };
    for (const name of ["maxLimit", "minLimit", "windowMs", "statsWindowMs", "increaseFactor"] as const) {
      requirePositive(name, this.#o[name]);
    }
    if (!(this.#o.decreaseFactor > 0 && this.#o.decreaseFactor < 1)) {
      throw new RangeError("decreaseFactor must be in (0, 1)");
    }
    if (this.#o.minLimit > this.#o.maxLimit) throw new RangeError("minLimit must not exceed maxLimit");
    this.#limit = Math.min(this.#o.maxLimit, Math.max(this.#o.minLimit, options.initialLimit));
    this.#window = new SlidingWindowCounter(this.#o.windowMs);
  }

  /** The current limit, in requests per `windowMs` (may be fractional after scaling). */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Admits one request (or `cost` units) if the window has room, growing the limit first when healthy.
   * A cost above the current limit is charged as the whole limit: after a shrink, a large batch must wait
   * for an empty window rather than be refused forever.
   */
  tryAcquire(cost = 1): AcquireResult {
    const now = this.#o.now();
    const first = this.#window.tryAcquire(this.#limit, Math.min(cost, this.#limit), now);
    if (first.ok || !this.#mayIncrease(now)) return first;
    this.#limit = Math.min(this.#o.maxLimit, this.#limit * this.#o.increaseFactor);
    this.#lastIncrease = now;
    return this.#window.tryAcquire(this.#limit, Math.min(cost, this.#limit), now);
  }

  /** Reports how an admitted request went; failures may lower the limit (see the class rule). */
  record(outcome: Outcome): void {
    const now = this.#o.now();
    this.#roll(now);
    this.#current.count += 1;
    this.#current.latencySum += Math.max(0, outcome.latencyMs);
    if (outcome.ok) return;
    this.#current.errors += 1;
    const stats = this.snapshot();
    if (stats.errorRate < this.#o.maxErrorRate) return;
    if (now - this.#lastDecrease < this.#o.windowMs) return;
    this.#limit = Math.max(this.#o.minLimit, this.#limit * this.#o.decreaseFactor);
    this.#lastDecrease = now;
  }

  /** The limit and the statistics it is judged on (for metrics and the feed status). */
  snapshot(): AdaptiveSnapshot {
    this.#roll(this.#o.now());
    const count = this.#previous.count + this.#current.count;
    const errors = this.#previous.errors + this.#current.errors;
    const latency = this.#previous.latencySum + this.#current.latencySum;
    return {
      limit: this.#limit,
      samples: count,
      errorRate: count === 0 ? 0 : errors / count,
      averageLatencyMs: count === 0 ? 0 : latency / count,
    };
  }

  #mayIncrease(now: number): boolean {
    if (this.#limit >= this.#o.maxLimit) return false;
    if (now - this.#lastIncrease < this.#o.windowMs) return false;
    const s = this.snapshot();
    return (
      s.samples >= this.#o.minSamples &&
      s.errorRate < this.#o.maxErrorRate &&
      s.averageLatencyMs < this.#o.maxLatencyMs
    );
  }

  #roll(now: number): void {
    const w = this.#o.statsWindowMs;
    const start = Math.floor(now / w) * w;
    if (start <= this.#statsStart) return;
    this.#previous = start === this.#statsStart + w ? this.#current : emptyBucket();
    this.#current = emptyBucket();
    this.#statsStart = start;
  }
}
