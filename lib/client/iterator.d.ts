import type { StreamMessage } from "../protocol/message.js";
/**
 * Turns a push subscription into an async iterator. The queue is unbounded on purpose: dropping would
 * break the at-most-once-and-in-order promise silently; a consumer that cannot keep up should use a
 * handler and decide itself what to shed.
 */
export declare function messageIterator<P>(subscribe: (push: (m: StreamMessage<P>) => void) => () => void, onEnd: (end: () => void) => () => void): AsyncIterableIterator<StreamMessage<P>>;
