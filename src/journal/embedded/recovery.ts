import * as fs from "node:fs";
import { HEADER_SIZE, Offset } from "../../protocol/frame.ts";
import type { DedupWindow } from "../dedup.ts";
import { RECORD_HEADER_SIZE, RecordField, recordSeq } from "./record.ts";
import { assessCut, type StopReason, scanSegment } from "./scan.ts";
import { listSegmentBases, Segment } from "./segment.ts";
import type { Store } from "./store.ts";

export interface RecoveryReport {
  /** The seq the next stored record gets. */
  nextSeq: number;
  records: number;
  /** Bytes cut off segment ends: torn or corrupt records and batches that never completed. */
  truncatedBytes: number;
  /** Acknowledged history recovery had to cut off (damage, not a torn tail): the epoch must change. */
  lost: RecoveryLoss[];
}

export interface RecoveryLoss {
  segment: string;
  /** Seqs after `afterSeq` were lost, up to `toSeq` where known (the next segment's base, or the newest intact record seen behind the damage). */
  afterSeq: number;
  toSeq: number | null;
  records: number;
  bytes: number;
  reason: StopReason;
}

/**
 * Rebuilds the store (segments, per-feed index) and the de-duplication window by scanning every
 * segment, truncating each one after its last complete batch. Truncating is what makes a batch
 * all-or-nothing on disk: the next writes start on a clean boundary, and an unacknowledged half batch
 * can never be read, nor surface after a later restart.
 */
export function recover(
  dir: string,
  store: Store,
  dedup: DedupWindow,
  dedupSince: number,
  dedupMaxIds: number,
): RecoveryReport {
  const bases = listSegmentBases(dir);
  const names = new FeedNames();
  const ids = new RecentIds(dedupMaxIds);
  let lastSeq = 0;
  let records = 0;
  let truncatedBytes = 0;
  const lost: RecoveryLoss[] = [];
  for (let i = 0; i < bases.length; i++) {
    const seg = Segment.open(dir, bases[i]!);
    const fileSize = fs.fstatSync(seg.fd).size;
    const scan = scanSegment(seg.fd, fileSize, lastSeq, (buf, view, at, fileOffset) => {
      const frameStart = at + RECORD_HEADER_SIZE;
      const seq = recordSeq(view, at);
      const appendedAt = view.getFloat64(at + RecordField.appendedAt);
      const feed = names.get(buf, frameStart);
      store.add(
        feed,
        seq,
        fileOffset + RECORD_HEADER_SIZE,
        view.getUint32(at + RecordField.length),
        buf[at + RecordField.priority]!,
        view.getFloat64(at + RecordField.expiresAt),
      );
      seg.noteRecord(seq, appendedAt);
      if (appendedAt > dedupSince) ids.push(buf, frameStart + Offset.id, feed, seq, appendedAt);
      records++;
    });
    seg.size = scan.validEnd;
    const last = i === bases.length - 1;
    if (scan.validEnd < fileSize) {
      if (zerosFrom(seg.fd, scan.validEnd, fileSize)) {
        // Zeros written ahead of the records (preallocation), not damage: the active segment keeps
        // them for its next appends, a sealed one drops them.
        seg.allocated = fileSize;
        if (!last) seg.trimAllocation();
      } else {
        const cut = assessCut(seg.fd, scan.validEnd, fileSize, scan.stopAt);
        // A sealed segment was complete when it was sealed; the active one may end in a torn group that
        // nobody was told about, unless intact records follow the damage.
        if (!last || cut.intactAfter > 0) {
          const next = bases[i + 1];
          lost.push({
            segment: seg.path,
            afterSeq: scan.lastSeq,
            toSeq: next !== undefined ? next - 1 : cut.newestSeq > scan.lastSeq ? cut.newestSeq : null,
            records: cut.records,
            bytes: fileSize - scan.validEnd,
            reason: scan.stopReason,
          });
        }
        fs.ftruncateSync(seg.fd, scan.validEnd);
        fs.fsyncSync(seg.fd);
        truncatedBytes += fileSize - scan.validEnd;
      }
    }
    lastSeq = scan.lastSeq;
    if (seg.count === 0 && !last) {
      // An empty segment in the middle names nothing; the last one is kept because its name carries
      // the next seq when every record before it was deleted by retention.
      seg.retire();
      continue;
    }
    store.segments.push(seg);
  }
  ids.into(dedup);
  const newest = store.segments.at(-1);
  // Seqs seen behind damage are not handed out again, even under the new epoch.
  const beyond = lost.reduce((m, l) => Math.max(m, (l.toSeq ?? 0) + 1), 1);
  const nextSeq = Math.max(lastSeq + 1, newest?.count === 0 ? newest.baseSeq : 1, beyond);
  return { nextSeq, records, truncatedBytes, lost };
}

/** Whether bytes [from, to) of the file are all zero. */
function zerosFrom(fd: number, from: number, to: number): boolean {
  const buf = new Uint8Array(Math.min(1024 * 1024, to - from));
  const words = new BigUint64Array(buf.buffer, 0, buf.length >>> 3);
  for (let at = from; at < to; ) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, to - at), at);
    if (n === 0) return false;
    const whole = n >>> 3;
    for (let k = 0; k < whole; k++) if (words[k] !== 0n) return false;
    for (let k = whole * 8; k < n; k++) if (buf[k] !== 0) return false;
    at += n;
  }
  return true;
}

/**
 * The newest ids seen by the scan, as raw bytes in a ring: only the ones that end up in the window
 * (at most `dedupMaxIds`) go into the window, however long the journal is.
 */
class RecentIds {
  private readonly bytes: Uint8Array;
  private readonly seqs: Float64Array;
  private readonly times: Float64Array;
  private readonly feeds: string[];
  private next = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.bytes = new Uint8Array(capacity * 16);
    this.seqs = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.feeds = new Array<string>(capacity);
  }

  push(buf: Uint8Array, idAt: number, feed: string, seq: number, at: number): void {
    const slot = this.next;
    const to = slot * 16;
    for (let k = 0; k < 16; k++) this.bytes[to + k] = buf[idAt + k]!;
    this.seqs[slot] = seq;
    this.times[slot] = at;
    this.feeds[slot] = feed;
    this.next = (slot + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Adds the ids, oldest first, to the window. */
  into(dedup: DedupWindow): void {
    const first = (this.next - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k++) {
      const slot = (first + k) % this.capacity;
      dedup.add(this.bytes, slot * 16, dedup.tag(this.feeds[slot]!), this.seqs[slot]!, this.times[slot]!);
    }
  }
}

/** Decodes each feed id once: a record's feed id bytes are looked up by a cheap hash. */
class FeedNames {
  private readonly byHash = new Map<number, { bytes: Uint8Array; name: string }[]>();
  private readonly decoder = new TextDecoder();

  get(frame: Uint8Array, frameStart: number): string {
    const len = (frame[frameStart + 6]! << 8) | frame[frameStart + 7]!;
    const at = frameStart + HEADER_SIZE;
    let h = 0x811c9dc5;
    for (let i = at; i < at + len; i++) h = Math.imul(h ^ frame[i]!, 0x01000193);
    let bucket = this.byHash.get(h);
    if (bucket === undefined) {
      bucket = [];
      this.byHash.set(h, bucket);
    }
    for (const e of bucket) if (e.bytes.length === len && sameBytes(e.bytes, frame, at)) return e.name;
    const bytes = frame.slice(at, at + len);
    const name = this.decoder.decode(bytes);
    bucket.push({ bytes, name });
    return name;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[at + i]) return false;
  return true;
}
