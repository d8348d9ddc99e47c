import * as fs from "node:fs";
import {
  announcedLength,
  RECORD_HEADER_SIZE,
  RecordField,
  RecordFlag,
  recordSeq,
  verifyRecord,
} from "./record.ts";

const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * A record of a complete batch: it starts at `at` in `buf` (read its fields with `view` and
 * `RecordField`) and at `fileOffset` in the segment. `buf` is valid only during the call.
 */
export type RecordVisitor = (buf: Uint8Array, view: DataView, at: number, fileOffset: number) => void;

export type StopReason = "torn" | "length" | "checksum" | "seq";

export interface ScanResult {
  /** File offset just past the last complete batch: everything after it is to be truncated. */
  validEnd: number;
  lastSeq: number;
  /** Where the first record that failed starts, and why it failed (the end of the file: "torn"). */
  stopAt: number;
  stopReason: StopReason;
}

/**
 * Scans a segment from the start and hands every record of every complete batch to `visit`, in order.
 * It stops at the first record that is torn (runs past the end of the file), fails its checksum, has an
 * impossible length or does not increase the seq; the records after the last batch end before that
 * point belong to a batch that was never acknowledged and are not visited. Reads in chunks, re-reading
 * from the start of the open batch, so memory stays at one chunk (or one batch, if larger).
 */
export function scanSegment(fd: number, fileSize: number, prevSeq: number, visit: RecordVisitor): ScanResult {
  let chunk = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(fileSize, RECORD_HEADER_SIZE)));
  let view = new DataView(chunk.buffer);
  let chunkStart = 0;
  let chunkLen = 0;
  let validEnd = 0;
  let lastSeq = prevSeq;

  /** Makes bytes [start, start + n) of the file available in `chunk`; false when the file ends first. */
  const ensure = (start: number, n: number): boolean => {
    if (start + n > fileSize) return false;
    if (start >= chunkStart && start + n <= chunkStart + chunkLen) return true;
    const need = start + n - validEnd;
    if (need > chunk.length) {
      chunk = new Uint8Array(Math.max(need, chunk.length * 2));
      view = new DataView(chunk.buffer);
    }
    chunkStart = validEnd;
    chunkLen = fs.readSync(fd, chunk, 0, Math.min(chunk.length, fileSize - chunkStart), chunkStart);
    return start + n <= chunkStart + chunkLen;
  };

  let pos = 0;
  let seqInBatch = lastSeq;
  let stopReason: StopReason = "torn";
  while (ensure(pos, RECORD_HEADER_SIZE)) {
    const frameLength = announcedLength(view, pos - chunkStart);
    if (frameLength < 0) {
      stopReason = "length";
      break;
    }
    if (!ensure(pos, RECORD_HEADER_SIZE + frameLength)) break;
    const at = pos - chunkStart;
    if (!verifyRecord(chunk, view, at, frameLength)) {
      stopReason = "checksum";
      break;
    }
    const seq = recordSeq(view, at);
    if (!(seq > seqInBatch)) {
      stopReason = "seq";
      break;
    }
    seqInBatch = seq;
    pos += RECORD_HEADER_SIZE + frameLength;
    if (chunk[at + RecordField.flags]! & RecordFlag.batchEnd) {
      // The batch is complete: visit its records, all of which are still in the chunk.
      for (let p = validEnd; p < pos; p += RECORD_HEADER_SIZE + view.getUint32(p - chunkStart)) {
        visit(chunk, view, p - chunkStart, p);
      }
      validEnd = pos;
      lastSeq = seqInBatch;
    }
  }
  return { validEnd, lastSeq, stopAt: pos, stopReason };
}

export interface CutAssessment {
  /** Records in the cut region (walked by their announced lengths), and the newest seq among the intact. */
  records: number;
  newestSeq: number;
  /** Intact records after the one that failed: the damage sits in the middle of acknowledged history. */
  intactAfter: number;
}

/**
 * Walks the region a scan is about to cut off, record by record, by the announced lengths. A torn
 * tail ends the walk at once; a flipped bit in the middle leaves the lengths intact, and the records
 * found behind the damaged one are what was acknowledged and is now lost.
 */
export function assessCut(fd: number, from: number, fileSize: number, stopAt: number): CutAssessment {
  const head = new Uint8Array(RECORD_HEADER_SIZE);
  const headView = new DataView(head.buffer);
  let records = 0;
  let newestSeq = 0;
  let intactAfter = 0;
  for (let p = from; p + RECORD_HEADER_SIZE <= fileSize; ) {
    fs.readSync(fd, head, 0, RECORD_HEADER_SIZE, p);
    const len = announcedLength(headView, 0);
    if (len < 0 || p + RECORD_HEADER_SIZE + len > fileSize) break;
    const rec = new Uint8Array(RECORD_HEADER_SIZE + len);
    fs.readSync(fd, rec, 0, rec.length, p);
    const view = new DataView(rec.buffer);
    records++;
    if (verifyRecord(rec, view, 0, len)) {
      newestSeq = Math.max(newestSeq, recordSeq(view, 0));
      if (p > stopAt) intactAfter++;
    }
    p += rec.length;
  }
  return { records, newestSeq, intactAfter };
}
