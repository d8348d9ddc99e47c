import type { AppendEntry } from "../journal.ts";
import { RECORD_HEADER_SIZE, RecordFlag, writeRecord } from "./record.ts";

/** One `append()` call waiting for its commit group to become durable. */
export interface PendingBatch {
  entries: readonly AppendEntry[];
  /** The answer: one seq per entry (the original seq for a duplicate id). */
  seqs: number[];
  /** Indices of the entries stored by this batch, in order; null when all were. */
  stored: number[] | null;
  appendedAt: number;
  resolve(seqs: number[]): void;
  reject(err: unknown): void;
}

const INITIAL_BYTES = 1024 * 1024;
/** A buffer that grew past this for one huge group is dropped afterwards rather than kept forever. */
const KEEP_BYTES = 16 * 1024 * 1024;

/**
 * The next commit group: the records of every batch appended since the last write, encoded back to
 * back in one reusable buffer, so a group costs one write syscall and no per-message allocation.
 */
export class Staging {
  buf = new Uint8Array(INITIAL_BYTES);
  view = new DataView(this.buf.buffer);
  length = 0;
  batches: PendingBatch[] = [];
  /** Seq of the first record staged, 0 when the group stores nothing (only duplicates). */
  firstSeq = 0;

  /** Encodes the records a batch stores; the last one carries the batch-end flag. */
  stage(batch: PendingBatch): void {
    const { entries, seqs, stored } = batch;
    const n = stored === null ? entries.length : stored.length;
    if (n > 0) {
      let bytes = 0;
      for (let k = 0; k < n; k++)
        bytes += RECORD_HEADER_SIZE + entries[stored === null ? k : stored[k]!]!.frame.length;
      this.reserve(bytes);
      if (this.firstSeq === 0) this.firstSeq = seqs[stored === null ? 0 : stored[0]!]!;
      let pos = this.length;
      for (let k = 0; k < n; k++) {
        const e = entries[stored === null ? k : stored[k]!]!;
        const flags = k === n - 1 ? RecordFlag.batchEnd : 0;
        pos = writeRecord(
          this.buf,
          this.view,
          pos,
          e.frame,
          flags,
          e.priority,
          e.expiresAt,
          batch.appendedAt,
        );
      }
      this.length = pos;
    }
    this.batches.push(batch);
  }

  /** Hands over the staged batches and starts an empty group (the bytes must have been written). */
  take(): PendingBatch[] {
    const batches = this.batches;
    this.batches = [];
    this.length = 0;
    this.firstSeq = 0;
    if (this.buf.length > KEEP_BYTES) {
      this.buf = new Uint8Array(INITIAL_BYTES);
      this.view = new DataView(this.buf.buffer);
    }
    return batches;
  }

  private reserve(bytes: number): void {
    const need = this.length + bytes;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}
