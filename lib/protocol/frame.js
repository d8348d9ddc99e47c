import { crc32 } from "./checksum.js";
import { FrameError } from "./errors.js";
import { uuidToString } from "./uuid.js";
/**
 * Binary frame v1 — the normative text is docs/protocol.md. Big-endian, fixed offsets, so the hub can
 * write `seq` into a journaled frame in place without copying it.
 */
export const FRAME_MAGIC_0 = 0x54; // "T"
export const FRAME_MAGIC_1 = 0x53; // "S"
export const FRAME_VERSION = 1;
export const HEADER_SIZE = 48;
export const MAX_FEED_ID_BYTES = 0xffff;
export const Offset = {
    magic: 0,
    version: 2,
    type: 3,
    priority: 4,
    flags: 5,
    feedIdLength: 6,
    seq: 8,
    timestamp: 16,
    id: 24,
    checksum: 40,
    payloadLength: 44,
    feedId: 48,
};
export const MESSAGE_TYPES = ["data", "heartbeat", "error", "metadata"];
export const PRIORITIES = ["critical", "high", "medium", "low"];
export const Flag = { encrypted: 1, msgpack: 2 };
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
/** Encodes a frame; the CRC32 of the payload is computed here, once per message. */
export function encodeFrame(f, feedIdBytes = encoder.encode(f.feedId)) {
    const buf = new Uint8Array(frameSize(feedIdBytes.length, f.payload.length));
    writeFrame(buf, new DataView(buf.buffer), 0, f, feedIdBytes, f.payload);
    return buf;
}
export function frameSize(feedIdBytes, payloadBytes) {
    return HEADER_SIZE + feedIdBytes + payloadBytes;
}
/**
 * Writes a whole frame at `offset` of `buf` (whose DataView is `view`) and returns the offset after it.
 * The ingest path writes a batch's frames back to back into one buffer with it: one allocation per
 * request, not one per message. `f.id` may already be in place (`id` undefined): ids written straight
 * into the buffer are not copied again.
 */
export function writeFrame(buf, view, offset, f, feedIdBytes, payload) {
    if (feedIdBytes.length > MAX_FEED_ID_BYTES)
        throw new RangeError("feedId longer than 65535 bytes");
    buf[offset] = FRAME_MAGIC_0;
    buf[offset + 1] = FRAME_MAGIC_1;
    buf[offset + 2] = FRAME_VERSION;
    buf[offset + 3] = MESSAGE_TYPES.indexOf(f.type);
    buf[offset + 4] = PRIORITIES.indexOf(f.priority);
    buf[offset + 5] = f.flags ?? 0;
    view.setUint16(offset + Offset.feedIdLength, feedIdBytes.length);
    view.setUint32(offset + Offset.seq, Math.floor((f.seq ?? 0) / 0x100000000));
    view.setUint32(offset + Offset.seq + 4, (f.seq ?? 0) >>> 0);
    view.setFloat64(offset + Offset.timestamp, f.timestamp);
    if (f.id !== undefined)
        buf.set(f.id.subarray(0, 16), offset + Offset.id);
    view.setUint32(offset + Offset.checksum, crc32(payload));
    view.setUint32(offset + Offset.payloadLength, payload.length);
    buf.set(feedIdBytes, offset + HEADER_SIZE);
    buf.set(payload, offset + HEADER_SIZE + feedIdBytes.length);
    return offset + HEADER_SIZE + feedIdBytes.length + payload.length;
}
/**
 * Writes `seq` into a frame in place. Two u32 writes rather than `setBigUint64`: no BigInt allocation
 * on the fan-out path; seqs stay below 2^53.
 */
export function writeSeq(frame, seq) {
    const hi = Math.floor(seq / 0x100000000);
    const lo = seq >>> 0;
    frame[8] = hi >>> 24;
    frame[9] = (hi >>> 16) & 0xff;
    frame[10] = (hi >>> 8) & 0xff;
    frame[11] = hi & 0xff;
    frame[12] = lo >>> 24;
    frame[13] = (lo >>> 16) & 0xff;
    frame[14] = (lo >>> 8) & 0xff;
    frame[15] = lo & 0xff;
}
export function readSeq(frame) {
    const hi = ((frame[8] << 24) | (frame[9] << 16) | (frame[10] << 8) | frame[11]) >>> 0;
    const lo = ((frame[12] << 24) | (frame[13] << 16) | (frame[14] << 8) | frame[15]) >>> 0;
    return hi * 0x100000000 + lo;
}
/**
 * Decodes and verifies a frame. Any input — short, truncated, random, hostile — either decodes or
 * throws a {@link FrameError}; nothing else escapes (proved by the fuzz test).
 */
export function decodeFrame(buf) {
    if (!(buf instanceof Uint8Array))
        throw new FrameError("short", "frame is not a byte array");
    if (buf.length < HEADER_SIZE)
        throw new FrameError("short", `frame shorter than the ${HEADER_SIZE}-byte header`);
    if (buf[0] !== FRAME_MAGIC_0 || buf[1] !== FRAME_MAGIC_1)
        throw new FrameError("magic", "bad magic, expected 'TS'");
    if (buf[2] !== FRAME_VERSION)
        throw new FrameError("version", `unsupported frame version ${buf[2]}`);
    const type = MESSAGE_TYPES[buf[3]];
    if (type === undefined)
        throw new FrameError("type", `unknown message type ${buf[3]}`);
    const priority = PRIORITIES[buf[4]];
    if (priority === undefined)
        throw new FrameError("priority", `unknown priority ${buf[4]}`);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const feedLen = view.getUint16(Offset.feedIdLength);
    const payloadLen = view.getUint32(Offset.payloadLength);
    const expected = HEADER_SIZE + feedLen + payloadLen;
    if (expected !== buf.length) {
        throw new FrameError("length", `frame is ${buf.length} bytes, header says ${expected}`);
    }
    const payloadStart = HEADER_SIZE + feedLen;
    const payload = buf.subarray(payloadStart, payloadStart + payloadLen);
    const checksum = view.getUint32(Offset.checksum);
    if (crc32(payload) !== checksum)
        throw new FrameError("checksum", "payload checksum mismatch");
    let feedId;
    try {
        feedId = strictDecoder.decode(buf.subarray(HEADER_SIZE, payloadStart));
    }
    catch {
        throw new FrameError("utf8", "feedId is not valid UTF-8");
    }
    return {
        type,
        priority,
        flags: buf[5],
        feedId,
        seq: readSeq(buf),
        timestamp: view.getFloat64(Offset.timestamp),
        id: uuidToString(buf, Offset.id),
        checksum,
        payload,
    };
}
/** Cheap header reads for the hub and the journal, which trust frames they produced themselves. */
export function framePriority(frame) {
    return frame[Offset.priority];
}
export function frameFeedId(frame) {
    const len = (frame[6] << 8) | frame[7];
    return strictDecoder.decode(frame.subarray(HEADER_SIZE, HEADER_SIZE + len));
}
export function framePayload(frame) {
    const len = (frame[6] << 8) | frame[7];
    return frame.subarray(HEADER_SIZE + len);
}
export function frameTimestamp(frame) {
    return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getFloat64(Offset.timestamp);
}
export function frameIdString(frame) {
    return uuidToString(frame, Offset.id);
}
