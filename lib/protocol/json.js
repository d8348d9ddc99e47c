import { checksumHex } from "./checksum.js";
import { decodeFrame, framePayload, MESSAGE_TYPES, Offset, PRIORITIES, readSeq } from "./frame.js";
import { uuidToString } from "./uuid.js";
const decoder = new TextDecoder();
/**
 * The JSON wire form of a journaled frame, built by string concatenation around the payload's own JSON
 * text: the payload is never parsed or re-serialised. The hub calls this once per message (never once
 * per client) and hands the same string to every JSON subscriber.
 *
 * Feed ids are restricted to `[a-z0-9._-]`, and ids, numbers and enum names need no escaping, so the
 * concatenation is always valid JSON.
 */
export function frameToJsonText(frame) {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const feedLen = view.getUint16(Offset.feedIdLength);
    const feedId = decoder.decode(frame.subarray(48, 48 + feedLen));
    const payload = decoder.decode(framePayload(frame));
    return (`{"id":"${uuidToString(frame, Offset.id)}","seq":${readSeq(frame)},"timestamp":${view.getFloat64(Offset.timestamp)},` +
        `"feedId":${JSON.stringify(feedId)},"type":"${MESSAGE_TYPES[frame[Offset.type]]}","priority":"${PRIORITIES[frame[Offset.priority]]}",` +
        `"payload":${payload.length === 0 ? "null" : payload},"checksum":"${checksumHex(view.getUint32(Offset.checksum))}"}`);
}
/** Decodes a binary frame fully into the message object a handler receives. */
export function frameToMessage(frame) {
    const f = decodeFrame(frame);
    return {
        id: f.id,
        seq: f.seq,
        timestamp: f.timestamp,
        feedId: f.feedId,
        type: f.type,
        priority: f.priority,
        payload: (f.payload.length === 0 ? null : JSON.parse(decoder.decode(f.payload))),
        checksum: checksumHex(f.checksum),
    };
}
