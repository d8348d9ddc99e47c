/** The longest delay a timer takes: larger values overflow a 32-bit int and fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface DeadlineClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const REAL_CLOCK: DeadlineClock = {
  now: Date.now,
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A far deadline must not keep a stopping process alive.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Calls `fn` once the clock reaches `at` (epoch ms), however far away: a 30-day token expiry is
 * waited for in chunks of at most MAX_TIMER_MS, re-checking the clock at each, because a single
 * `setTimeout(exp - now)` above 2^31 ms fires immediately. Returns the cancel function.
 */
export function scheduleAt(at: number, fn: () => void, clock: DeadlineClock = REAL_CLOCK): () => void {
  let handle: unknown;
  let cancelled = false;
  const arm = (): void => {
    if (cancelled) return;
    const left = at - clock.now();
    if (left <= 0) {
      fn();
      return;
    }
    handle = clock.setTimer(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return () => {
    cancelled = true;
    if (handle !== undefined) clock.clearTimer(handle);
  };
}
