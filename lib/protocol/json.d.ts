import type { StreamMessage } from "./message.js";
/**
 * The JSON wire form of a journaled frame, built by string concatenation around the payload's own JSON
 * text: the payload is never parsed or re-serialised. The hub calls this once per message (never once
 * per client) and hands the same string to every JSON subscriber.
 *
 * Feed ids are restricted to `[a-z0-9._-]`, and ids, numbers and enum names need no escaping, so the
 * concatenation is always valid JSON.
 */
export declare function frameToJsonText(frame: Uint8Array): string;
/** Decodes a binary frame fully into the message object a handler receives. */
export declare function frameToMessage<P = unknown>(frame: Uint8Array): StreamMessage<P>;
