import type { Retention } from "../journal.ts";

export interface SegmentFacts {
  count: number;
  /** Bytes of the segment file (frames plus record headers). */
  bytes: number;
  /** Journal clock when its newest record was appended; 0 when it has none. */
  newestAppendedAt: number;
}

export const NO_RETENTION: Retention = { maxMessages: 0, maxAgeMs: 0, maxBytes: 0 };

/**
 * How many of the oldest segments retention deletes (`segments` oldest first). Retention is
 * journal-wide and works on whole segments, like Kafka's: a segment goes when the newer segments
 * alone still hold at least `maxMessages` messages / `maxBytes` bytes, or when its newest record is
 * older than `maxAgeMs`. So the limits are floors that are exceeded by less than one segment, and never
 * is a message within the newest `maxMessages` deleted. The newest segment always stays: its name
 * carries the next seq across a restart, so seqs are never reused within an epoch.
 */
export function segmentsToDelete(segments: readonly SegmentFacts[], r: Retention, now: number): number {
  let count = 0;
  let bytes = 0;
  for (const s of segments) {
    count += s.count;
    bytes += s.bytes;
  }
  let n = 0;
  for (; n < segments.length - 1; n++) {
    const s = segments[n]!;
    const byCount = r.maxMessages > 0 && count - s.count >= r.maxMessages;
    const byBytes = r.maxBytes > 0 && bytes - s.bytes >= r.maxBytes;
    const byAge = r.maxAgeMs > 0 && s.newestAppendedAt <= now - r.maxAgeMs;
    if (!byCount && !byBytes && !byAge) break;
    count -= s.count;
    bytes -= s.bytes;
  }
  return n;
}

/** Whether the active segment should be sealed before the next write so that age retention can reach it. */
export function shouldRollForAge(
  oldestAppendedAt: number,
  count: number,
  r: Retention,
  now: number,
): boolean {
  return r.maxAgeMs > 0 && count > 0 && oldestAppendedAt <= now - r.maxAgeMs;
}
