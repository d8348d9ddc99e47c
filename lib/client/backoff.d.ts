/** Reconnect delays: exponential with full jitter, as centrifuge-js does it. */
export interface BackoffOptions {
    /** Smallest delay, and the scale of the exponential (default 500 ms). */
    minMs: number;
    /** Largest delay (default 20 s). */
    maxMs: number;
}
export declare const DEFAULT_BACKOFF: BackoffOptions;
/**
 * The delay before reconnect attempt `step` (0 for the first): exponential with full jitter, the same
 * formula the server's retries use. Full jitter spreads a crowd of clients that lost the same server over
 * the whole window, so a restarted node is not hit by all of them in the same millisecond.
 */
export { backoff } from "../resilience/backoff.js";
