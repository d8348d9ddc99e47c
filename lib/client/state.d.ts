/**
 * The connection as the seed's `StreamConnection` describes it, driven by a pure reducer so every
 * transition is tested without a socket or a clock.
 */
export type ConnectionStatus = "connecting" | "connected" | "disconnected" | "error";
export interface StreamConnection {
    /** Stable for the client's life; distinguishes clients in logs. */
    readonly id: string;
    /**
     * The URL of the current (or last) attempt, without the token. While `connected`, the region the
     * client is on.
     */
    readonly url: string;
    /** Its index in the `url` list (0 for a single URL or a function). */
    readonly urlIndex: number;
    readonly status: ConnectionStatus;
    /** When the server last sent a heartbeat; null until the first one. */
    readonly lastHeartbeat: Date | null;
    /** Consecutive failed attempts since the last successful open. */
    readonly reconnectAttempts: number;
    readonly maxReconnectAttempts: number;
    /** The delay chosen before the pending reconnect, in ms (0 when none is pending). */
    readonly reconnectDelay: number;
}
export type StateEvent = {
    type: "connect";
    url: string;
    urlIndex: number;
} | {
    type: "open";
} | {
    type: "heartbeat";
    at: number;
} | {
    type: "lost";
    delayMs: number;
} | {
    type: "give-up";
} | {
    type: "close";
};
export declare function initialState(id: string, url: string, maxReconnectAttempts: number): StreamConnection;
export declare function reduce(s: StreamConnection, e: StateEvent): StreamConnection;
/** True when another attempt is allowed after `attempts` consecutive failures. */
export declare function mayReconnect(s: StreamConnection): boolean;
