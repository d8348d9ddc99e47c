const LEVELS = new Set(["critical", "high", "medium", "low", "info"]);
/**
 * A cheap structural check that a message carries the seed's threat payload, for feeds that mix
 * payload kinds. The server validates threat payloads at ingest; this only narrows the type.
 */
export function isThreatMessage(m) {
    const p = m.payload;
    return (m.type === "data" &&
        typeof p === "object" &&
        p !== null &&
        LEVELS.has(p.threatLevel) &&
        typeof p.title === "string" &&
        Array.isArray(p.indicators));
}
/** Milliseconds left before a threat expires (`timestamp + ttl`), never below 0. */
export function ttlRemainingMs(m, now) {
    return Math.max(0, m.timestamp + m.payload.ttl * 1000 - now);
}
