import type { StreamMessage, ThreatMessage } from "../protocol/message.js";
/**
 * A cheap structural check that a message carries the seed's threat payload, for feeds that mix
 * payload kinds. The server validates threat payloads at ingest; this only narrows the type.
 */
export declare function isThreatMessage(m: StreamMessage): m is ThreatMessage;
/** Milliseconds left before a threat expires (`timestamp + ttl`), never below 0. */
export declare function ttlRemainingMs(m: ThreatMessage, now: number): number;
