import { crc32 } from "../../protocol/checksum.ts";
import { HEADER_SIZE } from "../../protocol/frame.ts";

/**
 * One journal record on disk (big-endian, like the frame), documented in docs/journal.md:
 *
 * ```
 * 0  u32 frame length L        4  u32 CRC32 of bytes [8, 28 + L)
 * 8  u8  flags (bit0: last record of its batch)   9 u8 priority   10 u16 reserved (0)
 * 12 f64 expiresAt (0 = never)  20 f64 appendedAt (journal clock, ms)
 * 28 frame (L bytes, seq already written in)
 * ```
 * The CRC covers the flags, so a torn write can never turn a record into a batch end.
 */
export const RECORD_HEADER_SIZE = 28;
export const RecordFlag = { batchEnd: 1 } as const;
/** Byte offsets of the header fields, for readers that take them straight from a buffer. */
export const RecordField = {
  length: 0,
  crc: 4,
  flags: 8,
  priority: 9,
  expiresAt: 12,
  appendedAt: 20,
} as const;
/** Recovery treats a length outside these bounds as garbage, not as a record to read. */
export const MIN_FRAME_BYTES = HEADER_SIZE;
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Encodes one record at `pos` of `buf` (which must have room) and returns the position after it. */
export function writeRecord(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  frame: Uint8Array,
  flags: number,
  priority: number,
  expiresAt: number,
  appendedAt: number,
): number {
  const end = pos + RECORD_HEADER_SIZE + frame.length;
  view.setUint32(pos, frame.length);
  buf[pos + 8] = flags;
  buf[pos + 9] = priority;
  buf[pos + 10] = 0;
  buf[pos + 11] = 0;
  view.setFloat64(pos + 12, expiresAt);
  view.setFloat64(pos + 20, appendedAt);
  buf.set(frame, pos + RECORD_HEADER_SIZE);
  view.setUint32(pos + 4, crc32(buf.subarray(pos + 8, end)));
  return end;
}

/** The frame length announced at `pos`, or -1 when it cannot belong to a record. */
export function announcedLength(view: DataView, pos: number): number {
  const len = view.getUint32(pos);
  return len < MIN_FRAME_BYTES || len > MAX_FRAME_BYTES ? -1 : len;
}

/** Whether the complete record at `pos` (all its bytes are in `buf`) passes its checksum. */
export function verifyRecord(buf: Uint8Array, view: DataView, pos: number, frameLength: number): boolean {
  return crc32(buf.subarray(pos + 8, pos + RECORD_HEADER_SIZE + frameLength)) === view.getUint32(pos + 4);
}

/** The seq inside the frame of the record at `pos`, read without allocating a view. */
export function recordSeq(view: DataView, pos: number): number {
  const at = pos + RECORD_HEADER_SIZE + 8;
  return view.getUint32(at) * 0x100000000 + view.getUint32(at + 4);
}
