import * as fs from "node:fs";
import { join } from "node:path";

const SUFFIX = ".seg";
const ZEROS = new Uint8Array(256 * 1024);
const NAME_RE = /^(\d{16})\.seg$/;

/** Segment files are named by the seq of their first record, zero-padded so names sort like seqs. */
export function segmentFileName(baseSeq: number): string {
  return `${String(baseSeq).padStart(16, "0")}${SUFFIX}`;
}

/** Base seqs of the segment files in `dir`, ascending. Other files are not ours and are left alone. */
export function listSegmentBases(dir: string): number[] {
  const bases: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = NAME_RE.exec(name);
    if (m) bases.push(Number(m[1]));
  }
  return bases.sort((a, b) => a - b);
}

/**
 * One segment file and what the journal knows about its committed records. The fd serves both the
 * writer (positional writes at `size`) and the readers (positional reads); a retired segment is
 * unlinked at once but its fd is closed only when the last in-flight read let go of it.
 */
export class Segment {
  readonly baseSeq: number;
  readonly path: string;
  fd: number;
  /** Bytes written (for the active segment this runs ahead of the committed records during a commit). */
  size: number;
  /**
   * The file's length: `size` plus the zeros written ahead of the records (see `preallocate`). Appends
   * inside it change no file metadata, so their fdatasync only flushes data.
   */
  allocated: number;
  count = 0;
  firstSeq = 0;
  lastSeq = 0;
  oldestAppendedAt = 0;
  newestAppendedAt = 0;
  private readers = 0;
  /**
   * Checksum verdict per record read back (index seq - baseSeq): 0 not yet checked, 1 good, 2 damaged.
   * One byte per record of this segment, so each record's CRC is computed once, not on every replay.
   */
  private verdicts: Uint8Array | null = null;
  private disposed = false;

  constructor(dir: string, baseSeq: number, fd: number, size: number) {
    this.baseSeq = baseSeq;
    this.path = join(dir, segmentFileName(baseSeq));
    this.fd = fd;
    this.size = size;
    this.allocated = size;
  }

  /** Opens the file of the segment starting at `baseSeq`, creating it if missing, never truncating it. */
  static open(dir: string, baseSeq: number): Segment {
    const fd = fs.openSync(
      join(dir, segmentFileName(baseSeq)),
      fs.constants.O_RDWR | fs.constants.O_CREAT,
      0o600,
    );
    // Owner-only, also for a segment written before this rule (the mode above applies only on create).
    fs.fchmodSync(fd, 0o600);
    return new Segment(dir, baseSeq, fd, 0);
  }

  /**
   * Makes the file at least `end` bytes long by writing zeros after what is allocated, up to
   * `target`. Written zeros, not a sparse extension or fallocate: both leave blocks the file system must
   * still mark as written (a metadata commit) on the first real write, which is the cost avoided here.
   * Recovery reads a zero length as the end of the records, so zeros after them are not damage.
   */
  preallocate(end: number, target: number): void {
    if (end <= this.allocated) return;
    const to = Math.max(end, target);
    let at = Math.max(this.allocated, this.size);
    while (at < to) at += fs.writeSync(this.fd, ZEROS, 0, Math.min(ZEROS.length, to - at), at);
    this.allocated = to;
  }

  /** Cuts the zeros written ahead (a sealed segment keeps only its records). */
  trimAllocation(): void {
    if (this.allocated <= this.size || this.fd < 0) return;
    fs.ftruncateSync(this.fd, this.size);
    this.allocated = this.size;
  }

  /** For retention: the file's bytes (frames plus record headers). */
  get bytes(): number {
    return this.size;
  }

  noteRecord(seq: number, appendedAt: number): void {
    if (this.count === 0) {
      this.firstSeq = seq;
      this.oldestAppendedAt = appendedAt;
    }
    this.count++;
    this.lastSeq = seq;
    this.newestAppendedAt = appendedAt;
  }

  verdict(seq: number): number {
    const i = seq - this.baseSeq;
    return this.verdicts !== null && i < this.verdicts.length ? this.verdicts[i]! : 0;
  }

  noteVerdict(seq: number, good: boolean): void {
    const i = seq - this.baseSeq;
    if (i < 0) return;
    if (this.verdicts === null || i >= this.verdicts.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.lastSeq - this.baseSeq + 1, 64));
      if (this.verdicts !== null) grown.set(this.verdicts);
      this.verdicts = grown;
    }
    this.verdicts[i] = good ? 1 : 2;
  }

  acquire(): void {
    this.readers++;
  }

  release(): void {
    this.readers--;
    if (this.disposed && this.readers === 0) this.closeFd();
  }

  /** Deletes the file; reads already started finish on the still-open fd. */
  retire(): void {
    try {
      fs.unlinkSync(this.path);
    } catch {
      // Already gone: the goal of retiring it is reached.
    }
    this.dispose();
  }

  /** Closes the fd as soon as no read or sync uses it any more. */
  dispose(): void {
    this.disposed = true;
    if (this.readers === 0) this.closeFd();
  }

  private closeFd(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Closing is the last thing done with this fd; there is nothing left to protect.
    }
    this.fd = -1;
  }
}
