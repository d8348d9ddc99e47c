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

export type StateEvent =
  | { type: "connect"; url: string; urlIndex: number }
  | { type: "open" }
  | { type: "heartbeat"; at: number }
  | { type: "lost"; delayMs: number }
  | { type: "give-up" }
  | { type: "close" };

export function initialState(id: string, url: string, maxReconnectAttempts: number): StreamConnection {
  return {
    id,
    url,
    urlIndex: 0,
    status: "disconnected",
    lastHeartbeat: null,
    reconnectAttempts: 0,
    maxReconnectAttempts,
    reconnectDelay: 0,
  };
}

export function reduce(s: StreamConnection, e: StateEvent): StreamConnection {
  switch (e.type) {
    case "connect":
      return { ...s, status: "connecting", url: e.url, urlIndex: e.urlIndex, reconnectDelay: 0 };
    case "open":
      return { ...s, status: "connected", reconnectAttempts: 0, reconnectDelay: 0 };
    case "heartbeat":
      return { ...s, lastHeartbeat: new Date(e.at) };
    case "lost":
      return {
        ...s,
        status: "disconnected",
        reconnectAttempts: s.reconnectAttempts + 1,
        reconnectDelay: e.delayMs,
      };
    case "give-up":
      return { ...s, status: "error", reconnectDelay: 0 };
    case "close":
      return { ...s, status: "disconnected", reconnectDelay: 0 };
  }
}

/** True when another attempt is allowed after `attempts` consecutive failures. */
export function mayReconnect(s: StreamConnection): boolean {
  return s.reconnectAttempts < s.maxReconnectAttempts;
}
