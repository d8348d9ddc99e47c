import type { FeedPosition } from "../journal/journal.ts";

/** What a subscribe does for one feed, given the client's position and the journal's. */
export type ResumePlan =
  /** No `since`: live from now. */
  | { kind: "live" }
  /** Everything after `since` is retained in this epoch: replay it, then live. */
  | { kind: "replay"; since: number }
  /** The position is void (other epoch, beyond the head) or history no longer reaches it: live only, say so. */
  | { kind: "lost"; earliest: number; beyondHead: boolean };

/**
 * Centrifugo's offset + epoch rule, pure: a resume is exact or it is refused loudly — never a silent,
 * partial catch-up. A `since` beyond the head in the same epoch also earns a SINCE_BEYOND_HEAD error.
 */
export function planResume(
  since: number | undefined,
  epoch: string | undefined,
  pos: FeedPosition,
): ResumePlan {
  if (since === undefined) return { kind: "live" };
  const sameEpoch = epoch === undefined || epoch === pos.epoch;
  if (!sameEpoch || since > pos.last) return { kind: "lost", earliest: pos.first, beyondHead: sameEpoch };
  if (since + 1 < pos.first) return { kind: "lost", earliest: pos.first, beyondHead: false };
  return { kind: "replay", since };
}
