export const DEFAULT_BACKOFF = { minMs: 500, maxMs: 20_000 };
/**
 * The delay before reconnect attempt `step` (0 for the first): exponential with full jitter, the same
 * formula the server's retries use. Full jitter spreads a crowd of clients that lost the same server over
 * the whole window, so a restarted node is not hit by all of them in the same millisecond.
 */
export { backoff } from "../resilience/backoff.js";
