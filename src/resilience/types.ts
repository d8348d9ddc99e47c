/** Milliseconds since the epoch; injected so tests drive time exactly (`() => Date.now()` in production). */
export type Now = () => number;

/** The answer of every limiter: admitted, or how long to wait before the same request could be. */
export interface AcquireResult {
  ok: boolean;
  /** 0 when `ok`; otherwise the milliseconds until the request would be admitted (≥ 1). */
  retryAfterMs: number;
}

export const ADMITTED: AcquireResult = Object.freeze({ ok: true, retryAfterMs: 0 });

/**
 * Converts a wait in milliseconds to the whole seconds of an HTTP `Retry-After` header (never 0, so a
 * client that obeys it does not retry in a tight loop).
 */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Programming errors in limiter options; thrown at construction so they surface at startup. */
export function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive finite number`);
}
