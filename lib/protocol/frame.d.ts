/**
 * Binary frame v1 — the normative text is docs/protocol.md. Big-endian, fixed offsets, so the hub can
 * write `seq` into a journaled frame in place without copying it.
 */
export declare const FRAME_MAGIC_0 = 84;
export declare const FRAME_MAGIC_1 = 83;
export declare const FRAME_VERSION = 1;
export declare const HEADER_SIZE = 48;
export declare const MAX_FEED_ID_BYTES = 65535;
export declare const Offset: {
    readonly magic: 0;
    readonly version: 2;
    readonly type: 3;
    readonly priority: 4;
    readonly flags: 5;
    readonly feedIdLength: 6;
    readonly seq: 8;
    readonly timestamp: 16;
    readonly id: 24;
    readonly checksum: 40;
    readonly payloadLength: 44;
    readonly feedId: 48;
};
export declare const MESSAGE_TYPES: readonly ["data", "heartbeat", "error", "metadata"];
export type MessageType = (typeof MESSAGE_TYPES)[number];
export declare const PRIORITIES: readonly ["critical", "high", "medium", "low"];
export type Priority = (typeof PRIORITIES)[number];
export declare const Flag: {
    readonly encrypted: 1;
    readonly msgpack: 2;
};
export interface FrameFields {
    type: MessageType;
    priority: Priority;
    flags?: number;
    feedId: string;
    seq?: number;
    timestamp: number;
    /** 16 bytes of the message id (UUIDv7 when tacstream generated it). */
    id: Uint8Array;
    payload: Uint8Array;
}
export interface DecodedFrame {
    type: MessageType;
    priority: Priority;
    flags: number;
    feedId: string;
    seq: number;
    timestamp: number;
    id: string;
    checksum: number;
    /** A view into the decoded buffer, not a copy. */
    payload: Uint8Array;
}
/** Encodes a frame; the CRC32 of the payload is computed here, once per message. */
export declare function encodeFrame(f: FrameFields, feedIdBytes?: Uint8Array): Uint8Array;
export declare function frameSize(feedIdBytes: number, payloadBytes: number): number;
/**
 * Writes a whole frame at `offset` of `buf` (whose DataView is `view`) and returns the offset after it.
 * The ingest path writes a batch's frames back to back into one buffer with it: one allocation per
 * request, not one per message. `f.id` may already be in place (`id` undefined): ids written straight
 * into the buffer are not copied again.
 */
export declare function writeFrame(buf: Uint8Array, view: DataView, offset: number, f: Omit<FrameFields, "payload" | "id"> & {
    id?: Uint8Array;
}, feedIdBytes: Uint8Array, payload: Uint8Array): number;
/**
 * Writes `seq` into a frame in place. Two u32 writes rather than `setBigUint64`: no BigInt allocation
 * on the fan-out path; seqs stay below 2^53.
 */
export declare function writeSeq(frame: Uint8Array, seq: number): void;
export declare function readSeq(frame: Uint8Array): number;
/**
 * Decodes and verifies a frame. Any input — short, truncated, random, hostile — either decodes or
 * throws a {@link FrameError}; nothing else escapes (proved by the fuzz test).
 */
export declare function decodeFrame(buf: Uint8Array): DecodedFrame;
/** Cheap header reads for the hub and the journal, which trust frames they produced themselves. */
export declare function framePriority(frame: Uint8Array): number;
export declare function frameFeedId(frame: Uint8Array): string;
export declare function framePayload(frame: Uint8Array): Uint8Array;
export declare function frameTimestamp(frame: Uint8Array): number;
export declare function frameIdString(frame: Uint8Array): string;
