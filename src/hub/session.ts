import type { ReplayBudget } from "./replay-budget.ts";
import type { WireFormat } from "./topics.ts";

/** What the hub's authorizer says about one subject; the security layer provides a real one. */
export interface Principal {
  sub: string;
  canSubscribe(feedId: string): boolean;
  /** Epoch ms when the credential expires (the socket is closed then unless refreshed). */
  exp?: number;
}

export const ANONYMOUS: Principal = { sub: "anonymous", canSubscribe: () => true };

/**
 * One feed of a session. A replay loop holds the object it started with and stops as soon as the
 * session's entry for the feed is another one (re-subscribed) or gone (unsubscribed).
 */
export interface Subscription {
  minPriority: number;
  live: boolean;
  /** The pattern that brought this feed in; absent when the feed was named. */
  via?: string;
}

/** A pattern subscription: feeds it matches and the principal may read join as they appear. */
export interface PatternSubscription {
  /** The pattern compiled by the grant grammar (`*`, `<feed>.*`). */
  matches(feedId: string): boolean;
  minPriority: number;
}

/** Per-connection state, set at upgrade time and kept in the socket's `data`. */
export interface SessionState {
  id: number;
  format: WireFormat;
  principal: Principal;
  ip: string;
  /** The subprotocol the client asked for, echoed back by the upgrade. */
  protocol?: string;
  /** Feeds to subscribe on open (`?feeds=a,b&since=N&minPriority=high`). */
  initial?: { feeds: string[]; since?: number; minPriority?: string };
  subs: Map<string, Subscription>;
  /** Pattern subscriptions by pattern text. */
  patterns: Map<string, PatternSubscription>;
  lastSeen: number;
  opTokens: number;
  opRefillAt: number;
  opRejected: number;
  closed: boolean;
  /** Bytes this connection's replays may still send (made by the hub on the first replay). */
  replayBudget?: ReplayBudget;
  drainWaiters: Array<() => void>;
  /** Cancels the close at token expiry (armed at open, re-armed by every refresh). */
  cancelExpiry?: (() => void) | undefined;
  /** Frees the connection slot admission took; idempotent, called on every way out (close, failed open). */
  release?: () => void;
}

let nextId = 1;

export function newSessionState(init: {
  format: WireFormat;
  principal?: Principal;
  ip?: string;
  protocol?: string;
  initial?: SessionState["initial"];
  now: number;
  opsPerSecond: number;
}): SessionState {
  const s: SessionState = {
    id: nextId++,
    format: init.format,
    principal: init.principal ?? ANONYMOUS,
    ip: init.ip ?? "",
    subs: new Map(),
    patterns: new Map(),
    lastSeen: init.now,
    opTokens: init.opsPerSecond * 2,
    opRefillAt: init.now,
    opRejected: 0,
    closed: false,
    drainWaiters: [],
  };
  if (init.protocol !== undefined) s.protocol = init.protocol;
  if (init.initial !== undefined) s.initial = init.initial;
  return s;
}
