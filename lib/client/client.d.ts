import { TacError } from "../protocol/errors.js";
import { type Priority } from "../protocol/frame.js";
import type { StreamMessage, ThreatMessage } from "../protocol/message.js";
import { type ConnectOptions } from "./options.js";
import { type GapEvent } from "./registry.js";
import { type StreamConnection } from "./state.js";
import { type FeedReply } from "./wire.js";
export interface SubscribedEvent extends FeedReply {
    feedId: string;
}
export interface ClientEvents {
    state: StreamConnection;
    error: TacError;
    /** Every delivered feed message, whatever the feed. */
    message: StreamMessage;
    gap: GapEvent;
    subscribed: SubscribedEvent;
}
export interface SubscribeOptions {
    /** Deliver only this priority and above (default `low`: everything). */
    minPriority?: Priority;
    /** Resume a feed from a position saved earlier (`client.position(feedId)`). */
    from?: {
        seq: number;
        epoch: string;
    };
    /**
     * With a pattern: where to resume each feed it covers (positions saved earlier, or chosen to backfill
     * recent history); feeds not listed join live.
     */
    positions?: Record<string, {
        seq: number;
        epoch: string;
    }>;
}
/**
 * A tacstream subscriber: one WebSocket, any number of feeds, reconnecting with jittered backoff and
 * resuming every feed from its last seq and epoch, so a handler sees each message at most once, in order,
 * and hears about any history the server could not replay (`gap`).
 */
export declare class TacstreamClient {
    #private;
    constructor(options: ConnectOptions);
    get state(): StreamConnection;
    /**
     * Calls `handler` for every message of `feedId`; returns the function that unsubscribes it. A pattern
     * (`"*"`, `"intel.*"`: the grant grammar) covers every feed it matches that the token may read,
     * including feeds created later; each of them resumes on its own across reconnects.
     */
    subscribe<M extends StreamMessage = ThreatMessage>(feedId: string, handler: (message: M) => void, options?: SubscribeOptions): () => void;
    /** The messages of `feedId` as an async iterator; `break` unsubscribes, `close()` ends it. */
    messages<M extends StreamMessage = ThreatMessage>(feedId: string, options?: SubscribeOptions): AsyncIterableIterator<M>;
    on<K extends keyof ClientEvents>(event: K, listener: (e: ClientEvents[K]) => void): () => void;
    /** Where `feedId` would resume: the last seq delivered (or the head when it joined) and its epoch. */
    position(feedId: string): {
        seq: number;
        epoch: string | undefined;
    } | undefined;
    /** Sends a fresh token on the live socket and uses it for every later reconnect. */
    refresh(token: string): boolean;
    /** Drops the connection and reconnects now (after changing the URL or the token, for example). */
    reconnect(): void;
    /** Closes for good: no reconnect; every `messages()` iterator ends. */
    close(): void;
}
/** Connects to a tacstream server; the client starts connecting at once and reconnects by itself. */
export declare function connect(options: ConnectOptions): TacstreamClient;
