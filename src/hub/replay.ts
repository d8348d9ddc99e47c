import type { Journal, StoredMessage } from "../journal/journal.ts";
import { frameToJsonText } from "../protocol/json.ts";
import { damagedMessage } from "./control.ts";
import type { RecentMessages } from "./recent.ts";
import type { ReplayBudget } from "./replay-budget.ts";
import type { SessionState, Subscription } from "./session.ts";
import type { HubSocket } from "./socket.ts";
import { topicsFor } from "./topics.ts";

const PAGE = 512;
/** The first journal read of a budgeted replay, before it knows the feed's frame size. */
const FIRST_BUDGETED_PAGE = 64;

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
 *
 * With a `budget`, every message the replay passes is charged: its bytes on the socket when sent, its
 * frame's when skipped (priority, expiry); once the balance is spent the replay waits for
 * it to refill (it is paced, not failed), and journal pages are sized to what the balance allows, so what
 * is read for a paused replay is about what it may send next.
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
  budget?: ReplayBudget,
): Promise<number> {
  const state = ws.data;
  // A replay never fills the socket past half the slow-consumer limit: it waits for `drain` instead,
  // so a client catching up at full speed is never mistaken for a slow one.
  const full = () => ws.getBufferedAmount() > softLimit / 2;
  let cursor = since;
  let sent = 0;
  // Messages passed (sent or skipped) and what they were charged: the mean sizes the next journal page.
  let passed = 0;
  let bytes = 0;
  const current = () => !state.closed && state.subs.get(feedId) === sub;
  for (;;) {
    // Bytes this step may send; a frame is sent while some are left and charged whole.
    let left = budget === undefined ? Number.POSITIVE_INFINITY : budget.available();
    let spent = 0;
    let starved = false;
    const recent = fanout.recent;
    if (cursor >= recent.floor) {
      const t = now();
      let paused = false;
      const walk = recent.walk(feedId, cursor);
      for (let i = walk.next(); i >= 0; i = walk.next()) {
        if (full() || left <= 0) {
          paused = true;
          starved = left <= 0;
          break;
        }
        cursor = recent.seqAt(i);
        const expiresAt = recent.expiresAtAt(i);
        if (recent.priorityAt(i) > sub.minPriority || (expiresAt !== 0 && expiresAt <= t)) {
          // Passing over a message is work too (a high minPriority over a feed of lows sends nothing).
          left -= recent.lengthAt(i);
          spent += recent.lengthAt(i);
          passed++;
          continue;
        }
        const data = cachedEncoding(state.format, i, feedId, recent);
        ws.send(data);
        const size = sizeOf(data);
        left -= size;
        spent += size;
        sent++;
        passed++;
      }
      budget?.charge(spent);
      bytes += spent;
      // A guard: the texts built here evict only what the walk has passed (charging one evicts up to and
      // including its own message), and fan-out cannot run inside this synchronous loop; should
      // messages it had not reached ever be evicted under it, the rest comes from the journal.
      if (!paused && !walk.lost) {
        join(ws, feedId, sub);
        return sent;
      }
      if (walk.lost) continue;
    } else if (left <= 0) {
      starved = true;
    } else {
      const limit =
        budget === undefined
          ? PAGE
          : passed === 0
            ? FIRST_BUDGETED_PAGE
            : Math.min(PAGE, Math.ceil(left / (bytes / passed)) + 1);
      const read = () => (current() ? journal.read(feedId, cursor, limit) : Promise.resolve(undefined));
      const batch = await (budget === undefined ? read() : budget.exclusive(read));
      if (batch === undefined || !current()) return sent;
      // The balance again: other replays of this connection may have spent some during the read.
      left = budget === undefined ? Number.POSITIVE_INFINITY : budget.available();
      const processed = fanout.processed;
      let reachedFuture = false;
      let paused = false;
      for (const m of batch) {
        if (m.seq > processed) {
          reachedFuture = true;
          break;
        }
        if (full() || left <= 0) {
          // The rest of the page is read again after `drain`: simpler than holding it, and rare.
          paused = true;
          starved = left <= 0;
          break;
        }
        if (m.priority <= sub.minPriority) {
          const data = encodeFor(state.format, m);
          ws.send(data);
          const size = sizeOf(data);
          left -= size;
          spent += size;
          sent++;
        } else {
          left -= m.frame.byteLength;
          spent += m.frame.byteLength;
        }
        passed++;
        cursor = m.seq;
      }
      budget?.charge(spent);
      bytes += spent;
      const exhausted = !paused && (reachedFuture || batch.length < limit);
      if (exhausted && fanout.lastPublished(feedId) <= cursor) {
        join(ws, feedId, sub);
        return sent;
      }
    }
    if (full()) {
      await new Promise<void>((resolve) => state.drainWaiters.push(resolve));
      if (!current()) return sent;
    } else if (starved && budget !== undefined) {
      await budget.refilled();
      if (!current()) return sent;
    }
  }
}

/** Bytes a frame puts on the socket (JSON text is sent as UTF-8). */
function sizeOf(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
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

function cachedEncoding(
  format: "json" | "binary",
  slot: number,
  feedId: string,
  recent: RecentMessages,
): string | Uint8Array {
  const damaged = recent.damagedAt(slot);
  if (damaged) return damagedMessage(feedId, recent.seqAt(slot), damaged);
  return format === "binary" ? recent.frameAt(slot) : recent.jsonAt(slot, frameToJsonText);
}
