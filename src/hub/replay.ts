import type { Journal, StoredMessage } from "../journal/journal.ts";
import { frameToJsonText } from "../protocol/json.ts";
import type { SessionState, Subscription } from "./session.ts";
import type { HubSocket } from "./socket.ts";
import { topicsFor } from "./topics.ts";

const PAGE = 512;

/** What replay needs from the hub: how far fan-out has got, globally and per feed. */
export interface FanoutCursor {
  /** Highest seq the hub has fanned out (or that existed before it started tailing). */
  readonly processed: number;
  lastPublished(feedId: string): number;
}

/**
 * Replays `feedId` after `since` to one socket, then joins the live topics, with no gap and no
 * duplicate at the seam.
 *
 * The seam: fan-out is synchronous and in seq order, so a message with seq ≤ `processed` has already
 * been published (the socket was not yet subscribed, so it must come from the journal), and one with
 * seq > `processed` will be published later (it must come live). After each awaited read the loop sends
 * only what fan-out has passed, and joins the topics in the same synchronous step in which it sees that
 * nothing of this feed was published beyond its cursor.
 */
export async function replayThenJoin(
  ws: HubSocket<SessionState>,
  journal: Journal,
  fanout: FanoutCursor,
  feedId: string,
  since: number,
  sub: Subscription,
  softLimit: number,
): Promise<number> {
  const state = ws.data;
  let cursor = since;
  let sent = 0;
  for (;;) {
    const batch = await journal.read(feedId, cursor, PAGE);
    if (state.closed || state.subs.get(feedId) !== sub) return sent;
    const processed = fanout.processed;
    let reachedFuture = false;
    for (const m of batch) {
      if (m.seq > processed) {
        reachedFuture = true;
        break;
      }
      if (m.priority <= sub.minPriority) {
        ws.send(encodeFor(state.format, m));
        sent++;
      }
      cursor = m.seq;
    }
    const exhausted = reachedFuture || batch.length < PAGE;
    if (exhausted && fanout.lastPublished(feedId) <= cursor) {
      for (const t of topicsFor(feedId, state.format, sub.minPriority)) ws.subscribe(t);
      sub.live = true;
      return sent;
    }
    if (ws.getBufferedAmount() > softLimit / 2) {
      await new Promise<void>((resolve) => state.drainWaiters.push(resolve));
      if (state.closed || state.subs.get(feedId) !== sub) return sent;
    }
  }
}

export function encodeFor(format: "json" | "binary", m: StoredMessage): string | Uint8Array {
  return format === "binary" ? m.frame : frameToJsonText(m.frame);
}
