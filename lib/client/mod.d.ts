/**
 * The tacstream client SDK (`tacstream/client`): browsers, Bun, Deno and Node (pass `ws` on Node 20).
 * It imports nothing from the server and no validation library, so a browser bundle stays small.
 */
export { type DamageReason, ErrorCode, TacError } from "../protocol/errors.js";
export type { Priority, StreamMessage, ThreatLevel, ThreatMessage, ThreatPayload, } from "../protocol/message.js";
export type { BackoffOptions } from "./backoff.js";
export { backoff } from "./backoff.js";
export { type ClientEvents, connect, type SubscribedEvent, type SubscribeOptions, TacstreamClient, } from "./client.js";
export type { TokenPlacement, WireFormat } from "./endpoint.js";
export type { ConnectOptions, TokenProvider } from "./options.js";
export type { GapEvent } from "./registry.js";
export type { ConnectionStatus, StreamConnection } from "./state.js";
export { isThreatMessage, ttlRemainingMs } from "./threat.js";
export type { WebSocketConstructor, WebSocketLike } from "./transport.js";
