/**
 * The committed records of one feed, oldest first, in parallel typed arrays: 25 bytes a message
 * (seq f64, frame offset u32, frame length u32, priority u8, expiresAt f64) and no object per message,
 * so a million messages cost ~25–50 MB and the GC has nothing to trace. The segment of a record is not
 * stored: it follows from the seq (segments are named by their first seq).
 */
export class FeedIndex {
  seqs = new Float64Array(16);
  offsets = new Uint32Array(16);
  lengths = new Uint32Array(16);
  priorities = new Uint8Array(16);
  expires = new Float64Array(16);
  /** Live entries are [start, end): retention drops a prefix by moving `start`. */
  start = 0;
  end = 0;

  get size(): number {
    return this.end - this.start;
  }

  /** Newest seq, 0 when empty. */
  head(): number {
    return this.end > this.start ? this.seqs[this.end - 1]! : 0;
  }

  push(seq: number, offset: number, length: number, priority: number, expiresAt: number): void {
    if (this.end === this.seqs.length) this.makeRoom();
    const i = this.end++;
    this.seqs[i] = seq;
    this.offsets[i] = offset;
    this.lengths[i] = length;
    this.priorities[i] = priority;
    this.expires[i] = expiresAt;
  }

  /** Position of the first entry with seq > `after` (== end when there is none). */
  upperBound(after: number): number {
    let lo = this.start;
    let hi = this.end;
    const seqs = this.seqs;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forgets every entry with seq < `seq` (its segment was deleted). */
  dropBefore(seq: number): void {
    this.start = this.upperBound(seq - 1);
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  private makeRoom(): void {
    const { start, end } = this;
    if (start >= end - start) {
      // The dropped prefix is at least half the array: compact in place instead of growing.
      this.seqs.copyWithin(0, start, end);
      this.offsets.copyWithin(0, start, end);
      this.lengths.copyWithin(0, start, end);
      this.priorities.copyWithin(0, start, end);
      this.expires.copyWithin(0, start, end);
    } else {
      const capacity = this.seqs.length * 2;
      this.seqs = grown(new Float64Array(capacity), this.seqs, start, end);
      this.offsets = grown(new Uint32Array(capacity), this.offsets, start, end);
      this.lengths = grown(new Uint32Array(capacity), this.lengths, start, end);
      this.priorities = grown(new Uint8Array(capacity), this.priorities, start, end);
      this.expires = grown(new Float64Array(capacity), this.expires, start, end);
    }
    this.start = 0;
    this.end = end - start;
  }
}

function grown<T extends Float64Array | Uint32Array | Uint8Array>(
  dst: T,
  src: T,
  from: number,
  to: number,
): T {
  dst.set(src.subarray(from, to) as never);
  return dst;
}
