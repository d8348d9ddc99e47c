/**
 * The tacstream client SDK (`tacstream/client`): browsers, Bun, Deno and Node (pass `ws` on Node 20).
 * It imports nothing from the server and no validation library, so a browser bundle stays small.
 */
export { ErrorCode, TacError } from "../protocol/errors.js";
export { backoff } from "./backoff.js";
export { connect, TacstreamClient, } from "./client.js";
export { isThreatMessage, ttlRemainingMs } from "./threat.js";
