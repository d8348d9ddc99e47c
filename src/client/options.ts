import { ErrorCode, TacError } from "../protocol/errors.ts";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import { streamUrl, type TokenPlacement, type WireFormat } from "./endpoint.ts";
import { defaultWebSocket, type WebSocketConstructor } from "./transport.ts";
import { realTimers, type Timers } from "./watchdog.ts";

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

function invalid(path: string, message: string): TacError {
  return new TacError(ErrorCode.Validation, `connect(): ${path} ${message}`, { path });
}

/** A URL given at connect() is checked there: a typo should fail at once, not as an endless reconnect. */
function checkUrl(raw: unknown, path: string): void {
  let ok = false;
  if (typeof raw === "string") {
    try {
      const p = streamUrl(raw).protocol;
      ok = p === "ws:" || p === "wss:";
    } catch {
      // Not a URL at all.
    }
  }
  // The value is not echoed: it may carry a `?token=`.
  if (!ok) throw invalid(path, "must be a ws(s):// or http(s):// URL");
}

/** Merges defaults and checks everything once, at the boundary (no valibot: it would triple the bundle). */
export function resolveOptions(o: ConnectOptions): ResolvedOptions {
  if (o === null || typeof o !== "object") throw invalid("options", "must be an object");
  const url = o.url;
  let urls: readonly string[] | undefined;
  if (typeof url === "string") {
    checkUrl(url, "url");
    urls = [url];
  } else if (Array.isArray(url)) {
    if (url.length === 0) throw invalid("url", "must list at least one URL");
    urls = [...url];
    for (let i = 0; i < urls.length; i++) checkUrl(urls[i], `url[${i}]`);
  } else if (typeof url !== "function")
    throw invalid("url", "must be a string, an array of strings or a function");
  const format = o.format ?? "json";
  if (format !== "json" && format !== "binary") throw invalid("format", 'must be "json" or "binary"');
  const tokenIn = o.tokenIn ?? "protocol";
  if (tokenIn !== "query" && tokenIn !== "protocol")
    throw invalid("tokenIn", 'must be "query" or "protocol"');
  const Ws = o.WebSocket ?? defaultWebSocket();
  if (typeof Ws !== "function") throw invalid("WebSocket", "is required where there is no global WebSocket");
  const minMs = o.backoff?.minMs ?? DEFAULT_BACKOFF.minMs;
  const maxMs = o.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs;
  if (!(Number.isFinite(minMs) && minMs > 0)) throw invalid("backoff.minMs", "must be a positive number");
  if (!(Number.isFinite(maxMs) && maxMs >= minMs)) throw invalid("backoff.maxMs", "must be ≥ backoff.minMs");
  const heartbeatTimeoutMs = o.heartbeatTimeoutMs ?? 75_000;
  if (!(heartbeatTimeoutMs >= 0)) throw invalid("heartbeatTimeoutMs", "must be ≥ 0");
  const connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
  if (!(connectTimeoutMs >= 0)) throw invalid("connectTimeoutMs", "must be ≥ 0");
  const maxReconnectAttempts = o.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
  if (!(maxReconnectAttempts >= 0)) throw invalid("maxReconnectAttempts", "must be ≥ 0");
  const onGap = o.onGap ?? "live";
  if (onGap !== "live" && onGap !== "partial") throw invalid("onGap", 'must be "live" or "partial"');
  return {
    url: urls === undefined ? (url as () => string) : (i) => urls[i % urls.length]!,
    urlCount: urls?.length ?? 1,
    token: o.token,
    tokenIn,
    format,
    WebSocket: Ws,
    backoff: { minMs, maxMs },
    heartbeatTimeoutMs,
    connectTimeoutMs,
    maxReconnectAttempts,
    onGap,
    timers: o.timers ?? realTimers,
    random: o.random ?? Math.random,
  };
}
