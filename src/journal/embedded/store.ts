import * as fs from "node:fs";
import { ErrorCode, TacError } from "../../protocol/errors.ts";
import type { StoredMessage } from "../journal.ts";
import { FeedIndex } from "./feed-index.ts";
import { FrameCache } from "./frame-cache.ts";
import { RECORD_HEADER_SIZE, verifyRecord } from "./record.ts";
import type { Segment } from "./segment.ts";
import type { PendingBatch } from "./staging.ts";

/** Records of one feed that sit close together in one segment are fetched with a single read. */
const MAX_GAP_BYTES = 64 * 1024;
const MAX_SPAN_BYTES = 4 * 1024 * 1024;

/**
 * What the journal has committed: the segments (oldest first), a compact index per feed, and a cache of
 * recent frames. Only committed records are in here, so readers never see a message before it is
 * durable (and before the tail listeners got it).
 */
export class Store {
  readonly segments: Segment[] = [];
  readonly feeds = new Map<string, FeedIndex>();
  readonly cache: FrameCache;

  constructor(cacheBytes: number) {
    this.cache = new FrameCache(cacheBytes);
  }

  add(
    feedId: string,
    seq: number,
    offset: number,
    length: number,
    priority: number,
    expiresAt: number,
  ): void {
    let index = this.feeds.get(feedId);
    if (index === undefined) {
      index = new FeedIndex();
      this.feeds.set(feedId, index);
    }
    index.push(seq, offset, length, priority, expiresAt);
  }

  /**
   * Indexes a group written at `pos` of `seg` (records back to back, in staging order) and caches its
   * frames. Returns the count of records and, when `out` is given, fills it for the tail listeners.
   */
  commit(
    batches: readonly PendingBatch[],
    seg: Segment | undefined,
    pos: number,
    out: StoredMessage[] | null,
  ): number {
    let off = pos;
    let records = 0;
    for (const b of batches) {
      const { entries, seqs, stored } = b;
      const n = stored === null ? entries.length : stored.length;
      for (let k = 0; k < n; k++) {
        const e = entries[stored === null ? k : stored[k]!]!;
        const seq = seqs[stored === null ? k : stored[k]!]!;
        const frameOffset = off + RECORD_HEADER_SIZE;
        this.add(e.feedId, seq, frameOffset, e.frame.length, e.priority, e.expiresAt);
        this.cache.put(seq, e.frame);
        seg!.noteRecord(seq, b.appendedAt);
        off = frameOffset + e.frame.length;
        out?.push({ seq, feedId: e.feedId, priority: e.priority, expiresAt: e.expiresAt, frame: e.frame });
      }
      records += n;
    }
    return records;
  }

  head(feedId: string): number {
    return this.feeds.get(feedId)?.head() ?? 0;
  }

  /** The oldest retained seq; `last + 1` when nothing is retained. */
  first(last: number): number {
    for (const s of this.segments) if (s.count > 0) return s.firstSeq;
    return last + 1;
  }

  /** The segment holding `seq`: the last one whose base seq is not above it. */
  segmentFor(seq: number): Segment | undefined {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (segs[mid]!.baseSeq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return segs[lo - 1];
  }

  /** Removes the `n` oldest segments (files included) and every index entry that pointed into them. */
  dropOldest(n: number, last: number): void {
    for (const seg of this.segments.splice(0, n)) seg.retire();
    const first = this.first(last);
    for (const [feedId, index] of this.feeds) {
      index.dropBefore(first);
      if (index.size === 0) this.feeds.delete(feedId);
    }
    this.cache.dropBefore(first);
  }

  /** Committed, unexpired messages of `feedId` with seq > `afterSeq`, ascending, at most `limit`. */
  async read(feedId: string, afterSeq: number, limit: number, now: number): Promise<StoredMessage[]> {
    const index = this.feeds.get(feedId);
    const out: StoredMessage[] = [];
    if (index === undefined || limit <= 0) return out;
    const misses: number[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    for (let i = index.upperBound(afterSeq); i < index.end && out.length < limit; i++) {
      const expiresAt = index.expires[i]!;
      if (expiresAt !== 0 && expiresAt <= now) continue;
      const seq = index.seqs[i]!;
      const frame = this.cache.get(seq);
      if (frame === undefined) {
        misses.push(out.length);
        offsets.push(index.offsets[i]!);
        lengths.push(index.lengths[i]!);
      }
      out.push({ seq, feedId, priority: index.priorities[i]!, expiresAt, frame: frame ?? EMPTY });
    }
    if (misses.length > 0) await this.fetch(out, misses, offsets, lengths);
    return out;
  }

  /** Reads the frames of `out[misses[k]]` from disk, one read per run of nearby records of a segment. */
  private async fetch(
    out: StoredMessage[],
    misses: number[],
    offsets: number[],
    lengths: number[],
  ): Promise<void> {
    const reads: Promise<void>[] = [];
    let k = 0;
    while (k < misses.length) {
      const seg = this.segmentFor(out[misses[k]!]!.seq);
      if (seg === undefined || seg.fd < 0) {
        throw new TacError(ErrorCode.Internal, `journal: the segment of seq ${out[misses[k]!]!.seq} is gone`);
      }
      const runStart = k;
      // From the first record's header: each record is checked against its CRC before it is served.
      const spanStart = offsets[k]! - RECORD_HEADER_SIZE;
      let spanEnd = offsets[k]! + lengths[k]!;
      k++;
      while (k < misses.length) {
        const off = offsets[k]!;
        const end = off + lengths[k]!;
        if (off - spanEnd > MAX_GAP_BYTES || end - spanStart > MAX_SPAN_BYTES) break;
        if (this.segmentFor(out[misses[k]!]!.seq) !== seg) break;
        spanEnd = end;
        k++;
      }
      reads.push(this.readRun(seg, spanStart, spanEnd, out, misses, offsets, lengths, runStart, k));
    }
    await Promise.all(reads);
  }

  private async readRun(
    seg: Segment,
    spanStart: number,
    spanEnd: number,
    out: StoredMessage[],
    misses: number[],
    offsets: number[],
    lengths: number[],
    from: number,
    to: number,
  ): Promise<void> {
    const span = new Uint8Array(spanEnd - spanStart);
    seg.acquire();
    try {
      await preadFully(seg.fd, span, spanStart);
    } finally {
      seg.release();
    }
    const view = new DataView(span.buffer, span.byteOffset, span.byteLength);
    for (let k = from; k < to; k++) {
      const m = out[misses[k]!]!;
      const at = offsets[k]! - spanStart;
      const len = lengths[k]!;
      let verdict = seg.verdict(m.seq);
      if (verdict === 0) {
        const head = at - RECORD_HEADER_SIZE;
        const good = view.getUint32(head) === len && verifyRecord(span, view, head, len);
        seg.noteVerdict(m.seq, good);
        verdict = good ? 1 : 2;
      }
      if (verdict === 1) m.frame = span.subarray(at, at + len);
      else m.damaged = "checksum";
    }
  }
}

const EMPTY = new Uint8Array(0);

function preadFully(fd: number, buf: Uint8Array, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      fs.read(fd, buf, done, buf.length - done, position + done, (err, n) => {
        if (err) reject(err);
        else if (n === 0) reject(new Error(`segment ended ${buf.length - done} bytes early`));
        else if (done + n < buf.length) step(done + n);
        else resolve();
      });
    };
    step(0);
  });
}
