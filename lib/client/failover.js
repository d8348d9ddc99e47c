/**
 * Which URL the next attempt dials, and after how long, when the client was given several (one per
 * region). Pure: the random source is a parameter, so every step of the policy is tested exactly.
 */
import { backoff } from "./backoff.js";
/**
 * After `failures` consecutive failed attempts (≥ 1: a lost connection counts as the first), the next
 * attempt goes to the next URL, round-robin — the client never stays on a URL that just failed, and never
 * leaves one that works.
 *
 * - Inside a cycle (some URL not yet tried since the last success) the hop waits `[0, minMs]`, jittered:
 *   the likely cause is the loss of that region, so another region is worth trying at once, and the
 *   jitter still spreads a crowd of clients that lost the same region over `minMs` instead of landing on
 *   the next region in the same millisecond.
 * - After a full cycle (every URL failed) the usual exponential backoff with full jitter applies, its step
 *   counting full cycles: however many URLs, the client makes one round of attempts per backoff delay,
 *   so an outage of every region is not hammered N times harder than one URL would be.
 *
 * With one URL every failure ends a cycle, so this is exactly the single-URL backoff.
 */
export function nextAttempt(current, count, failures, b, random) {
    const index = (current + 1) % count;
    if (failures % count !== 0)
        return { index, delayMs: Math.floor(random() * (b.minMs + 1)) };
    return { index, delayMs: backoff(failures / count - 1, b.minMs, b.maxMs, random) };
}
