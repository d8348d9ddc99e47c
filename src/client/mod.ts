/**
 * The tacstream client SDK (`tacstream/client`): browsers, Bun, Deno and Node (pass `ws` on Node 20).
 * It imports nothing from the server and no validation library, so a browser bundle stays small.
 */

export { type DamageReason, ErrorCode, TacError } from "../protocol/errors.ts";
export type {
  Priority,
  StreamMessage,
  ThreatLevel,
  ThreatMessage,
  ThreatPayload,
} from "../protocol/message.ts";
export type { BackoffOptions } from "./backoff.ts";
export { backoff } from "./backoff.ts";
export {
  type ClientEvents,
  connect,
  type SubscribedEvent,
  type SubscribeOptions,
  TacstreamClient,
} from "./client.ts";
export type { TokenPlacement, WireFormat } from "./endpoint.ts";
export type { ConnectOptions, TokenProvider } from "./options.ts";
export type { GapEvent } from "./registry.ts";
export type { ConnectionStatus, StreamConnection } from "./state.ts";
export { isThreatMessage, ttlRemainingMs } from "./threat.ts";
export type { WebSocketConstructor, WebSocketLike } from "./transport.ts";
