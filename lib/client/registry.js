import { PRIORITIES } from "../protocol/frame.js";
/**
 * Every feed the client wants, with its handlers, its resume position (seq + epoch) and the rule that
 * delivers each message at most once and in order: a message is delivered only if its seq is above the
 * feed's cursor.
 *
 * The one subtle part is the window between sending a subscribe and reading its reply. Messages that
 * arrive then are held: if the reply says `recovered`, the server replays everything after the `since`
 * we sent, so held messages are dropped (they come again, in order, in the replay); otherwise they are
 * live and go through the cursor once it has been moved to the feed's head or the new epoch.
 */
export class Registry {
    #feeds = new Map();
    #pending = new Map();
    #partial;
    #nextId = 1;
    /** `partial`: on a gap, resubscribe from `earliest - 1` to get what history is left. */
    constructor(opts = {}) {
        this.#partial = opts.partial ?? false;
    }
    get feedIds() {
        return [...this.#feeds.keys()];
    }
    has(feedId) {
        return this.#feeds.has(feedId);
    }
    position(feedId) {
        const s = this.#feeds.get(feedId);
        return s === undefined ? undefined : { seq: s.cursor, epoch: s.epoch };
    }
    /**
     * Adds a handler; true when the server subscription must be (re)made: a new feed or a wider priority.
     * `from` starts a new feed at a position saved earlier (e.g. across a page reload).
     */
    add(feedId, entry, from) {
        let sub = this.#feeds.get(feedId);
        if (sub === undefined) {
            sub = {
                handlers: new Set(),
                rank: entry.rank,
                cursor: from?.seq ?? 0,
                epoch: from?.epoch,
                inFlight: 0,
                buffer: [],
            };
            this.#feeds.set(feedId, sub);
            sub.handlers.add(entry);
            return true;
        }
        sub.handlers.add(entry);
        if (entry.rank <= sub.rank)
            return false;
        sub.rank = entry.rank;
        return true;
    }
    /** Removes a handler; true when it was the feed's last one and the server subscription should go. */
    remove(feedId, entry) {
        const sub = this.#feeds.get(feedId);
        if (sub === undefined || !sub.handlers.delete(entry))
            return false;
        if (sub.handlers.size > 0)
            return false;
        this.#feeds.delete(feedId);
        // A reply still on its way must not count against a later subscription to the same feed.
        for (const sent of this.#pending.values())
            sent.delete(feedId);
        return true;
    }
    handlers(feedId) {
        return this.#feeds.get(feedId)?.handlers ?? [];
    }
    /**
     * The subscribe ops for `feedIds` (all feeds after a reconnect), one per priority so a reconnect with
     * many feeds costs a handful of ops. Each feed resumes from its cursor in its epoch once it has one.
     */
    subscribeOps(feedIds = this.feedIds) {
        const byRank = new Map();
        for (const f of feedIds) {
            const sub = this.#feeds.get(f);
            if (sub === undefined)
                continue;
            const list = byRank.get(sub.rank) ?? [];
            list.push(f);
            byRank.set(sub.rank, list);
        }
        const ops = [];
        for (const [rank, feeds] of byRank) {
            const op = { op: "subscribe", id: this.#nextId++, feeds, minPriority: PRIORITIES[rank] };
            const sent = new Map();
            const since = {};
            const epoch = {};
            for (const f of feeds) {
                const sub = this.#feeds.get(f);
                sub.inFlight++;
                // Without an epoch the feed never got a reply: there is no position to resume from.
                sent.set(f, sub.epoch === undefined ? undefined : sub.cursor);
                if (sub.epoch === undefined)
                    continue;
                since[f] = sub.cursor;
                epoch[f] = sub.epoch;
            }
            if (Object.keys(since).length > 0)
                Object.assign(op, { since, epoch });
            this.#pending.set(op.id, sent);
            ops.push(op);
        }
        return ops;
    }
    /**
     * Applies a subscribe reply. Returns what to report per feed, the held messages that are now
     * deliverable (in order), and the feeds to resubscribe (partial catch-up after a gap).
     */
    onReply(id, replies) {
        const out = {
            outcomes: [],
            deliver: [],
            resubscribe: [],
        };
        const sent = this.#pending.get(id);
        if (sent === undefined)
            return out;
        this.#pending.delete(id);
        for (const [feedId, since] of sent) {
            const sub = this.#feeds.get(feedId);
            if (sub === undefined)
                continue;
            sub.inFlight--;
            const r = replies[feedId];
            if (r !== undefined) {
                const outcome = { feedId, reply: r };
                if (since !== undefined && r.recovered) {
                    sub.buffer = [];
                }
                else if (since === undefined) {
                    sub.cursor = Math.max(sub.cursor, r.last ?? r.head);
                }
                else {
                    outcome.gap = {
                        feedId,
                        since,
                        earliest: r.earliest ?? r.head + 1,
                        epoch: r.epoch,
                        previousEpoch: sub.epoch,
                        reason: sub.epoch !== r.epoch ? "epoch" : since > (r.last ?? r.head) ? "beyond-head" : "retention",
                    };
                    // Positions from before the gap are void: live messages follow the head of the new history.
                    sub.cursor = r.last ?? r.head;
                    if (this.#partial) {
                        sub.cursor = Math.max(0, outcome.gap.earliest - 1);
                        sub.buffer = [];
                        out.resubscribe.push(feedId);
                    }
                }
                sub.epoch = r.epoch;
                out.outcomes.push(outcome);
            }
            if (sub.inFlight === 0 && sub.buffer.length > 0) {
                const held = sub.buffer;
                sub.buffer = [];
                for (const m of held)
                    if (this.admit(m))
                        out.deliver.push(m);
            }
        }
        return out;
    }
    /** True when `m` is to be delivered now (and moves the cursor); held or dropped otherwise. */
    admit(m) {
        const sub = this.#feeds.get(m.feedId);
        if (sub === undefined)
            return false;
        if (sub.inFlight > 0) {
            sub.buffer.push(m);
            return false;
        }
        if (m.seq <= sub.cursor)
            return false;
        sub.cursor = m.seq;
        return true;
    }
    /**
     * The server sent, in place of `seq`, a notice that it cannot serve that message (damaged on its disk,
     * or undecryptable there). Moves the cursor past it — this server cannot deliver it, and a resume must
     * not ask for it forever — and returns the gap to report; undefined when the notice is stale (already
     * passed, or a subscribe is in flight and will replay it again).
     */
    damaged(feedId, seq, damage) {
        const sub = this.#feeds.get(feedId);
        if (sub === undefined || sub.inFlight > 0 || seq <= sub.cursor || sub.epoch === undefined)
            return undefined;
        const since = sub.cursor;
        sub.cursor = seq;
        const gap = {
            feedId,
            since,
            earliest: seq + 1,
            epoch: sub.epoch,
            previousEpoch: sub.epoch,
            reason: "damaged",
            from: seq,
            to: seq,
        };
        if (damage !== undefined)
            gap.damage = damage;
        return gap;
    }
    /** The connection is gone: unanswered ops will never be answered, held messages will be replayed. */
    reset() {
        this.#pending.clear();
        for (const sub of this.#feeds.values()) {
            sub.inFlight = 0;
            sub.buffer = [];
        }
    }
}
