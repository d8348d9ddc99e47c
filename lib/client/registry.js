import { PRIORITIES } from "../protocol/frame.js";
/** The grant grammar's patterns: `*` (every feed) or `<feed>.*` (every feed below it). */
export function patternMatcher(pattern) {
    if (pattern === "*")
        return () => true;
    if (!pattern.endsWith(".*"))
        return undefined;
    const prefix = pattern.slice(0, -1);
    const base = prefix.slice(0, -1);
    if (!FEED_ID_RE.test(base) || /\.\.|\.$/.test(base))
        return undefined;
    return (feedId) => feedId.startsWith(prefix);
}
/** Same rule as the server's FeedIdSchema. */
export const FEED_ID_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;
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
    #patterns = new Map();
    #pending = new Map();
    #partial;
    #nextId = 1;
    /** `partial`: on a gap, resubscribe from `earliest - 1` to get what history is left. */
    constructor(opts = {}) {
        this.#partial = opts.partial ?? false;
    }
    /** Feeds subscribed by name (pattern-only feeds are resubscribed through their pattern). */
    get feedIds() {
        return [...this.#feeds].filter(([, s]) => s.named).map(([id]) => id);
    }
    get patterns() {
        return [...this.#patterns.keys()];
    }
    /** Patterns that cover `feedId`. */
    patternsFor(feedId) {
        return [...this.#patterns].filter(([, p]) => p.matches(feedId)).map(([pat]) => pat);
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
                named: true,
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
        if (!sub.named) {
            // Already delivered through a pattern; from now on it is also subscribed on its own.
            sub.named = true;
            sub.rank = entry.rank;
            return true;
        }
        if (entry.rank <= sub.rank)
            return false;
        sub.rank = entry.rank;
        return true;
    }
    /**
     * Adds a pattern handler; true when the server subscription must be (re)made. `positions` resume the
     * feeds the pattern covers from positions saved earlier (`position(feedId)` for each).
     */
    addPattern(pattern, matches, entry, positions = {}) {
        for (const [feedId, from] of Object.entries(positions)) {
            if (!matches(feedId) || this.#feeds.has(feedId))
                continue;
            this.#feeds.set(feedId, this.#patternFeed(from.seq, from.epoch));
        }
        let p = this.#patterns.get(pattern);
        if (p === undefined) {
            p = { handlers: new Set([entry]), rank: entry.rank, matches };
            this.#patterns.set(pattern, p);
            return true;
        }
        p.handlers.add(entry);
        if (entry.rank <= p.rank)
            return false;
        p.rank = entry.rank;
        return true;
    }
    /** Removes a pattern handler; true when it was the last one and the server pattern should go. */
    removePattern(pattern, entry) {
        const p = this.#patterns.get(pattern);
        if (p === undefined || !p.handlers.delete(entry))
            return false;
        if (p.handlers.size > 0)
            return false;
        this.#patterns.delete(pattern);
        for (const [feedId, sub] of [...this.#feeds]) {
            if (sub.named || this.patternsFor(feedId).length > 0)
                continue;
            this.#feeds.delete(feedId);
            for (const sent of this.#pending.values())
                sent.delete(feedId);
        }
        return true;
    }
    #patternFeed(cursor, epoch) {
        return { handlers: new Set(), named: false, rank: 0, cursor, epoch, inFlight: 0, buffer: [] };
    }
    /** The pattern-only feed's entry, made on first sight of it (a reply, a join, or a live message). */
    #adopt(feedId) {
        const sub = this.#feeds.get(feedId);
        if (sub !== undefined || this.patternsFor(feedId).length === 0)
            return sub;
        const made = this.#patternFeed(0, undefined);
        this.#feeds.set(feedId, made);
        return made;
    }
    /** Removes a handler; true when it was the feed's last one and the server subscription should go. */
    remove(feedId, entry) {
        const sub = this.#feeds.get(feedId);
        if (sub === undefined || !sub.handlers.delete(entry))
            return false;
        if (sub.handlers.size > 0)
            return false;
        // A pattern still wants it: the server subscription stays, resubscribed through the pattern later.
        if (this.patternsFor(feedId).length > 0) {
            sub.named = false;
            return false;
        }
        this.#feeds.delete(feedId);
        // A reply still on its way must not count against a later subscription to the same feed.
        for (const sent of this.#pending.values())
            sent.delete(feedId);
        return true;
    }
    *handlers(feedId) {
        const own = this.#feeds.get(feedId)?.handlers;
        if (own !== undefined)
            yield* own;
        for (const p of this.#patterns.values())
            if (p.matches(feedId))
                yield* p.handlers;
    }
    /**
     * The subscribe ops for `feedIds` (all feeds after a reconnect), one per priority so a reconnect with
     * many feeds costs a handful of ops. Each feed resumes from its cursor in its epoch once it has one.
     */
    subscribeOps(feedIds = this.feedIds) {
        const byRank = new Map();
        for (const f of feedIds) {
            const sub = this.#feeds.get(f);
            if (sub === undefined || !sub.named)
                continue;
            const list = byRank.get(sub.rank) ?? [];
            list.push(f);
            byRank.set(sub.rank, list);
        }
        const ops = [];
        for (const [rank, feeds] of byRank) {
            ops.push(this.#op(feeds, rank, feeds.map((f) => [f, this.#feeds.get(f)])));
        }
        return ops;
    }
    /** A subscribe op that resumes every feed in `resumed` that has a position, with its replies awaited. */
    #op(feeds, rank, resumed) {
        const op = { op: "subscribe", id: this.#nextId++, feeds, minPriority: PRIORITIES[rank] };
        const sent = new Map();
        const since = {};
        const epoch = {};
        for (const [f, sub] of resumed) {
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
        return op;
    }
    /**
     * One op per pattern: the pattern, and a `since` for every feed it brought in that has a position, so
     * a reconnect resumes each of them (feeds that appeared meanwhile join from their start).
     */
    patternOps(patterns = this.patterns) {
        const ops = [];
        for (const pattern of patterns) {
            const p = this.#patterns.get(pattern);
            if (p === undefined)
                continue;
            const brought = [...this.#feeds].filter(([f, sub]) => !sub.named && p.matches(f));
            ops.push(this.#op([pattern], p.rank, brought));
        }
        return ops;
    }
    /** Feeds a pattern brought in that the client did not name in the op: joined live, no resume asked. */
    #joined(replies, skip) {
        const out = [];
        for (const [feedId, r] of Object.entries(replies)) {
            if (skip.has(feedId))
                continue;
            const sub = this.#adopt(feedId);
            if (sub === undefined)
                continue;
            sub.cursor = Math.max(sub.cursor, r.last ?? r.head);
            sub.epoch = r.epoch;
            out.push({ feedId, reply: r });
        }
        return out;
    }
    /** The server joined a feed that appeared after the pattern subscription (`pattern` in the message). */
    onPatternFeed(replies) {
        return this.#joined(replies, new Map());
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
        out.outcomes.push(...this.#joined(replies, sent));
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
        const sub = this.#adopt(m.feedId);
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
