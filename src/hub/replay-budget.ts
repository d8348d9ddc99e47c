import type { DeadlineClock } from "./deadline.ts";

/**
 * One connection's replay allowance, in bytes: a token bucket that earns `rate` bytes per second up to
 * `burst`, charged with the bytes each replayed frame puts on the socket. The op rate limit counts ops,
 * and a `since=0` subscribe is one op that can cost the node a whole feed (issue #18: 200 connections ×
 * 50 of them pulled 2.35 GB in 3 s); this is what weighs it.
 *
 * A frame is sent whole while the balance is positive and charged after, so the balance may dip below
 * zero by less than one frame: bytes sent by time t are at most burst + rate·t + one frame.
 */
export class ReplayBudget {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: DeadlineClock;
  #tokens: number;
  #at: number;
  #reading: Promise<unknown> = Promise.resolve();

  constructor(bytesPerSecond: number, burstBytes: number, clock: DeadlineClock) {
    this.#rate = bytesPerSecond;
    this.#burst = burstBytes;
    this.#clock = clock;
    this.#tokens = burstBytes;
    this.#at = clock.now();
  }

  /** Bytes that may be sent now (≤ 0: none until the bucket refills). */
  available(): number {
    const now = this.#clock.now();
    // max(0, …): a clock stepping backwards must not drain the bucket.
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#at = Math.max(this.#at, now);
    return this.#tokens;
  }

  charge(bytes: number): void {
    this.available();
    this.#tokens -= bytes;
  }

  /** Milliseconds until at least `bytes` (capped at the burst) may be sent. */
  waitMs(bytes: number): number {
    const want = Math.min(bytes, this.#burst);
    const missing = want - this.available();
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.#rate);
  }

  /** The wait a refused subscribe is told to observe: until a useful amount may be sent again. */
  retryAfterMs(): number {
    return this.waitMs(this.#quantum());
  }

  /**
   * Resolves once a useful amount may be sent again: a quantum of 1/8 of the burst (at most 64 KiB),
   * so a paced replay wakes a few times per second rather than once per frame.
   */
  refilled(): Promise<void> {
    const ms = this.waitMs(this.#quantum());
    if (ms === 0) return Promise.resolve();
    return new Promise((resolve) => this.#clock.setTimer(resolve, ms));
  }

  /**
   * Runs journal reads of this connection's replays one at a time. Twenty replays started in one turn
   * would otherwise each read a page before any of them is charged; in turn, each sees what the previous
   * one spent (and a replay superseded while it waited reads nothing).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#reading.then(fn, fn);
    this.#reading = run.catch(() => {});
    return run;
  }

  #quantum(): number {
    return Math.min(64 * 1024, Math.ceil(this.#burst / 8));
  }
}
