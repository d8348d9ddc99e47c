import { TacError } from "../protocol/errors.ts";
import { backoff } from "./backoff.ts";

export { backoff };

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A `setTimeout` sleep that an `AbortSignal` cuts short. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Backoff floor and growth base (default 1000 ms). */
  baseMs?: number;
  /** Longest wait between attempts (default 10,000 ms). */
  capMs?: number;
  /** Whether an error is worth another attempt (default: {@link isRetryable}). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: Sleep;
  random?: () => number;
  /** Aborting stops at once: the pending wait rejects with the signal's reason, no further attempt runs. */
  signal?: AbortSignal;
}

/**
 * Client errors will fail the same way again; everything else (network errors, 5xx, 429, a breaker's
 * UNAVAILABLE) may pass on a later attempt.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof TacError)) return true;
  return error.status >= 500 || error.code === "RATE_LIMITED";
}

/**
 * Calls `fn` until it resolves, an error is not retryable, or `attempts` are spent; then rethrows the
 * last error unchanged. Waits follow {@link backoff}; a `TacError` carrying `retryAfter` (seconds)
 * lengthens the wait to at least that, still capped at `capMs`.
 * @param fn - receives the 0-based attempt number and the signal, to pass on to `fetch`.
 */
export async function retry<T>(
  fn: (attempt: number, signal?: AbortSignal) => Promise<T> | T,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 3;
  const baseMs = options.baseMs ?? 1000;
  const capMs = options.capMs ?? 10_000;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const signal = options.signal;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError("attempts must be an integer ≥ 1");

  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt, signal);
    } catch (error) {
      if (attempt + 1 >= attempts || signal?.aborted || !shouldRetry(error, attempt)) throw error;
      let delayMs = backoff(attempt, baseMs, capMs, random);
      if (error instanceof TacError && error.retryAfter !== undefined) {
        delayMs = Math.min(capMs, Math.max(delayMs, error.retryAfter * 1000));
      }
      options.onRetry?.(error, attempt, delayMs);
      await wait(delayMs, signal);
    }
  }
}
