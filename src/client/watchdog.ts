/** The timer functions the watchdog needs; injected by tests, `globalThis` otherwise. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Fires `onTimeout` once nothing has been heard for `timeoutMs`. `kick()` runs for every frame received,
 * up to thousands a second, so it only records the time; the single timer re-arms itself for the
 * remaining time when it wakes early instead of being cleared and recreated per frame.
 */
export class Watchdog {
  readonly #timeoutMs: number;
  readonly #onTimeout: () => void;
  readonly #timers: Timers;
  #lastSeen = 0;
  #handle: unknown;

  constructor(timeoutMs: number, onTimeout: () => void, timers: Timers = realTimers) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
    this.#timers = timers;
  }

  start(): void {
    this.stop();
    if (this.#timeoutMs <= 0) return;
    this.#lastSeen = this.#timers.now();
    this.#arm(this.#timeoutMs);
  }

  kick(): void {
    this.#lastSeen = this.#timers.now();
  }

  stop(): void {
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(ms: number): void {
    this.#handle = this.#timers.setTimeout(() => this.#wake(), ms);
  }

  #wake(): void {
    const silent = this.#timers.now() - this.#lastSeen;
    if (silent >= this.#timeoutMs) {
      this.#handle = undefined;
      this.#onTimeout();
    } else {
      this.#arm(this.#timeoutMs - silent);
    }
  }
}
