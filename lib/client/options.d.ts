import { type BackoffOptions } from "./backoff.js";
import { type TokenPlacement, type WireFormat } from "./endpoint.js";
import { type WebSocketConstructor } from "./transport.js";
import { type Timers } from "./watchdog.js";
export type TokenProvider = string | (() => string | undefined | Promise<string | undefined>);
export interface ConnectOptions {
    /**
     * `ws(s)://host:port` (the `/v1/stream` path is added); several URLs (one per region, sharing one
     * JetStream journal): the client stays on the one that works and moves to the next when it fails; or a
     * function, read at every (re)connect.
     */
    url: string | readonly string[] | (() => string);
    /** A JWT, or a function asked at every (re)connect — the place to fetch a fresh one. */
    token?: TokenProvider;
    /**
     * Where the token travels: `protocol` (default) — a `tacstream.token.<jwt>` sub-protocol entry, the only
     * header a browser can set, accepted in production; `query` — `?token=`, which production turns off.
     */
    tokenIn?: TokenPlacement;
    /** Wire format: `json` (default) or `binary` (frames decoded and CRC-checked by the shared codec). */
    format?: WireFormat;
    /** A WebSocket constructor: `ws` on Node 20; defaults to `globalThis.WebSocket`. */
    WebSocket?: WebSocketConstructor;
    backoff?: Partial<BackoffOptions>;
    /** Reconnect when nothing (data, heartbeat, reply) arrived for this long; 0 disables. Default 75 s. */
    heartbeatTimeoutMs?: number;
    /**
     * Abandon an attempt that has not opened after this long and move on (to the next URL, if any); 0
     * disables. Default 10 s: a lost region often drops packets, and a browser's own timeout is minutes.
     */
    connectTimeoutMs?: number;
    /** Give up (status `error`) after this many consecutive failed attempts. Default: never. */
    maxReconnectAttempts?: number;
    /**
     * After a gap (`recovered: false`) the `gap` event fires in any case; then `live` (default) carries on
     * with live messages, `partial` resubscribes from the oldest message the server still holds.
     */
    onGap?: "live" | "partial";
    /** Injected by tests. */
    timers?: Timers;
    random?: () => number;
}
export interface ResolvedOptions {
    /** The URL for list index `i` (a function ignores it). */
    url: (i: number) => string;
    /** How many URLs the failover rotates through: 1 for a string or a function. */
    urlCount: number;
    token: TokenProvider | undefined;
    tokenIn: TokenPlacement;
    format: WireFormat;
    WebSocket: WebSocketConstructor;
    backoff: BackoffOptions;
    heartbeatTimeoutMs: number;
    connectTimeoutMs: number;
    maxReconnectAttempts: number;
    onGap: "live" | "partial";
    timers: Timers;
    random: () => number;
}
/** Merges defaults and checks everything once, at the boundary (no valibot: it would triple the bundle). */
export declare function resolveOptions(o: ConnectOptions): ResolvedOptions;
