import type { Journal, StoredMessage } from "../journal/journal.ts";
import { frameToJsonText } from "../protocol/json.ts";
import { damagedMessage } from "./control.ts";
import type { Recent, RecentMessages } from "./recent.ts";
import type { SessionState, Subscription } from "./session.ts";
import type { HubSocket } from "./socket.ts";
import { topicsFor } from "./topics.ts";

const PAGE = 512;

/** What replay needs from the hub: how far fan-out has got, globally and per feed, and its cache. */
export interface FanoutCursor {
  /** Highest seq the hub has fanned out (or that existed before it started tailing). */
  readonly processed: number;
  lastPublished(feedId: string): number;
  readonly recent: RecentMessages;
}

/**
 * Replays `feedId` after `since` to one socket, then joins the live topics, with no gap and no
 * duplicate at the seam.
 *
 * Once the cursor reaches the hub's recent-message cache, the rest is sent from memory and the topics
 * are joined in the same synchronous step: fan-out (also synchronous) cannot slip a message in between.
 * Before that, pages come from the journal. The seam there: fan-out is synchronous and in seq order, so
 * a message with seq ≤ `processed` has already been published (the socket was not yet subscribed, so it
 * must come from the journal), and one with seq > `processed` will be published later (it must come
 * live). After each awaited read the loop sends only what fan-out has passed, and joins the topics in the
 * same synchronous step in which it sees that nothing of this feed was published beyond its cursor.
 */
export async function replayThenJoin(
  ws: HubSocket<SessionState>,
  journal: Journal,
  fanout: FanoutCursor,
  feedId: string,
  since: number,
  sub: Subscription,
  softLimit: number,
  now: () => number,
): Promise<number> {
  const state = ws.data;
  // A replay never fills the socket past half the slow-consumer limit: it waits for `drain` instead,
  // so a client catching up at full speed is never mistaken for a slow one.
  const full = () => ws.getBufferedAmount() > softLimit / 2;
  let cursor = since;
  let sent = 0;
  for (;;) {
    if (cursor >= fanout.recent.floor) {
      const t = now();
      let paused = false;
      for (const r of fanout.recent.after(feedId, cursor)) {
        if (full()) {
          paused = true;
          break;
        }
        cursor = r.m.seq;
        if (r.m.priority > sub.minPriority || (r.m.expiresAt !== 0 && r.m.expiresAt <= t)) continue;
        ws.send(cachedEncoding(state.format, r, fanout.recent));
        sent++;
      }
      if (!paused) {
        join(ws, feedId, sub);
        return sent;
      }
    } else {
      const batch = await journal.read(feedId, cursor, PAGE);
      if (state.closed || state.subs.get(feedId) !== sub) return sent;
      const processed = fanout.processed;
      let reachedFuture = false;
      let paused = false;
      for (const m of batch) {
        if (m.seq > processed) {
          reachedFuture = true;
          break;
        }
        if (full()) {
          // The rest of the page is read again after `drain`: simpler than holding it, and rare.
          paused = true;
          break;
        }
        if (m.priority <= sub.minPriority) {
          ws.send(encodeFor(state.format, m));
          sent++;
        }
        cursor = m.seq;
      }
      const exhausted = !paused && (reachedFuture || batch.length < PAGE);
      if (exhausted && fanout.lastPublished(feedId) <= cursor) {
        join(ws, feedId, sub);
        return sent;
      }
    }
    if (full()) {
      await new Promise<void>((resolve) => state.drainWaiters.push(resolve));
      if (state.closed || state.subs.get(feedId) !== sub) return sent;
    }
  }
}

/** Joins the live topics of the feed's wanted priorities. */
export function join(ws: HubSocket<SessionState>, feedId: string, sub: Subscription): void {
  for (const t of topicsFor(feedId, ws.data.format, sub.minPriority)) ws.subscribe(t);
  sub.live = true;
}

/** A message as sent to one socket; one that cannot be served is its DAMAGED_RECORD notice instead. */
export function encodeFor(format: "json" | "binary", m: StoredMessage): string | Uint8Array {
  if (m.damaged) return damagedMessage(m.feedId, m.seq, m.damaged);
  return format === "binary" ? m.frame : frameToJsonText(m.frame);
}

function cachedEncoding(format: "json" | "binary", r: Recent, recent: RecentMessages): string | Uint8Array {
  if (r.m.damaged) return damagedMessage(r.m.feedId, r.m.seq, r.m.damaged);
  return format === "binary" ? r.m.frame : recent.json(r, frameToJsonText);
}
