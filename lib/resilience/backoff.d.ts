/**
 * The delay before retry number `step` (0 for the first retry): exponential growth from `minMs`, with
 * full jitter over the exponential part, never above `maxMs` — the formula of centrifuge-js, so the SDK
 * and the server back off alike:
 *
 *     min(maxMs, minMs + floor(random() × (min(maxMs, minMs × 2^step) + 1)))
 *
 * The `minMs` floor keeps a crowd of clients from retrying instantly; the jitter spreads them out.
 * @param random - returns [0, 1); injected so tests are exact.
 */
export declare function backoff(step: number, minMs: number, maxMs: number, random?: () => number): number;
