/** Reconnect delays: exponential with full jitter, as centrifuge-js does it. */
export interface BackoffOptions {
  /** Smallest delay, and the scale of the exponential (default 500 ms). */
  minMs: number;
  /** Largest delay (default 20 s). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 20_000 };

/**
 * The delay before reconnect attempt `step` (0 for the first): `min + random(0, min(max, min·2^step))`,
 * capped at `max`. Full jitter spreads a crowd of clients that lost the same server over the whole
 * window, so a restarted node is not hit by all of them in the same millisecond
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoff(
  step: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  // 2^31 · min already exceeds any sane max; a bigger exponent would only overflow to Infinity.
  const exp = Math.min(Math.max(0, Math.floor(step)), 31);
  const window = Math.min(maxMs, minMs * 2 ** exp);
  const jitter = Math.floor(random() * (window + 1));
  return Math.min(maxMs, minMs + jitter);
}
