import type { DamageReason } from "../protocol/errors.js";
import { type Priority } from "../protocol/frame.js";
import type { StreamMessage } from "../protocol/message.js";
import type { FeedReply } from "./wire.js";
export type Handler<P = unknown> = (message: StreamMessage<P>) => void;
export interface HandlerEntry {
    readonly fn: (message: never) => void;
    /** Index in PRIORITIES of the lowest priority this handler wants (3 = everything). */
    readonly rank: number;
}
/** History the client asked for and the server no longer has (docs/protocol.md, `recovered: false`). */
export interface GapEvent {
    feedId: string;
    /** The position the client asked to resume after. */
    since: number;
    /** The oldest seq the server still holds; `since: earliest - 1` would get what is left. */
    earliest: number;
    epoch: string;
    previousEpoch: string | undefined;
    /**
     * `epoch`: the journal was recreated; `retention`: history was trimmed; `beyond-head`: the server lost
     * data; `damaged`: the messages `from`..`to` cannot be served (see `damage`).
     */
    reason: "epoch" | "retention" | "beyond-head" | "damaged";
    /** For `damaged`: the first and last seq that cannot be delivered (inclusive). */
    from?: number;
    to?: number;
    /**
     * For `damaged`, why: `checksum` (the record failed its CRC on the server's disk) or `undecryptable`
     * (the server cannot decrypt it: its key was removed, or it was altered). Undefined if the server
     * gave a reason this SDK does not know.
     */
    damage?: DamageReason;
}
export interface SubscribeOp {
    op: "subscribe";
    id: number;
    feeds: string[];
    minPriority: Priority;
    since?: Record<string, number>;
    epoch?: Record<string, string>;
}
export interface ReplyOutcome {
    feedId: string;
    reply: FeedReply;
    gap?: GapEvent;
}
/** The grant grammar's patterns: `*` (every feed) or `<feed>.*` (every feed below it). */
export declare function patternMatcher(pattern: string): ((feedId: string) => boolean) | undefined;
/** Same rule as the server's FeedIdSchema. */
export declare const FEED_ID_RE: RegExp;
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
export declare class Registry {
    #private;
    /** `partial`: on a gap, resubscribe from `earliest - 1` to get what history is left. */
    constructor(opts?: {
        partial?: boolean;
    });
    /** Feeds subscribed by name (pattern-only feeds are resubscribed through their pattern). */
    get feedIds(): string[];
    get patterns(): string[];
    /** Patterns that cover `feedId`. */
    patternsFor(feedId: string): string[];
    has(feedId: string): boolean;
    position(feedId: string): {
        seq: number;
        epoch: string | undefined;
    } | undefined;
    /**
     * Adds a handler; true when the server subscription must be (re)made: a new feed or a wider priority.
     * `from` starts a new feed at a position saved earlier (e.g. across a page reload).
     */
    add(feedId: string, entry: HandlerEntry, from?: {
        seq: number;
        epoch: string;
    }): boolean;
    /**
     * Adds a pattern handler; true when the server subscription must be (re)made. `positions` resume the
     * feeds the pattern covers from positions saved earlier (`position(feedId)` for each).
     */
    addPattern(pattern: string, matches: (feedId: string) => boolean, entry: HandlerEntry, positions?: Record<string, {
        seq: number;
        epoch: string;
    }>): boolean;
    /** Removes a pattern handler; true when it was the last one and the server pattern should go. */
    removePattern(pattern: string, entry: HandlerEntry): boolean;
    /** Removes a handler; true when it was the feed's last one and the server subscription should go. */
    remove(feedId: string, entry: HandlerEntry): boolean;
    handlers(feedId: string): Iterable<HandlerEntry>;
    /**
     * The subscribe ops for `feedIds` (all feeds after a reconnect), one per priority so a reconnect with
     * many feeds costs a handful of ops. Each feed resumes from its cursor in its epoch once it has one.
     */
    subscribeOps(feedIds?: readonly string[]): SubscribeOp[];
    /**
     * One op per pattern: the pattern, and a `since` for every feed it brought in that has a position, so
     * a reconnect resumes each of them (feeds that appeared meanwhile join from their start).
     */
    patternOps(patterns?: readonly string[]): SubscribeOp[];
    /** The server joined a feed that appeared after the pattern subscription (`pattern` in the message). */
    onPatternFeed(replies: Record<string, FeedReply>): ReplyOutcome[];
    /**
     * Applies a subscribe reply. Returns what to report per feed, the held messages that are now
     * deliverable (in order), and the feeds to resubscribe (partial catch-up after a gap).
     */
    onReply(id: number, replies: Record<string, FeedReply>): {
        outcomes: ReplyOutcome[];
        deliver: StreamMessage[];
        resubscribe: string[];
    };
    /** True when `m` is to be delivered now (and moves the cursor); held or dropped otherwise. */
    admit(m: StreamMessage): boolean;
    /**
     * The server sent, in place of `seq`, a notice that it cannot serve that message (damaged on its disk,
     * or undecryptable there). Moves the cursor past it — this server cannot deliver it, and a resume must
     * not ask for it forever — and returns the gap to report; undefined when the notice is stale (already
     * passed, or a subscribe is in flight and will replay it again).
     */
    damaged(feedId: string, seq: number, damage?: DamageReason): GapEvent | undefined;
    /** The connection is gone: unanswered ops will never be answered, held messages will be replayed. */
    reset(): void;
}
