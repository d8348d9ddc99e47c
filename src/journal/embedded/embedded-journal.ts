import * as fs from "node:fs";
import { TacError } from "../../protocol/errors.ts";
import { frameTimestamp } from "../../protocol/frame.ts";
import { uuidv7 } from "../../protocol/uuid.ts";
import { DedupWindow } from "../dedup.ts";
import type {
  AppendEntry,
  FeedPosition,
  FeedSummary,
  Journal,
  JournalStatus,
  StoredMessage,
  TailListener,
} from "../journal.ts";
import { assignSeqs } from "./assign.ts";
import { checkEntries } from "./entries.ts";
import { GroupCommit } from "./group-commit.ts";
import { errorMessage } from "./io.ts";
import { DataDirLockedError, DirLock } from "./lock.ts";
import { chooseEpoch, currentBootId, readMeta, writeMeta } from "./meta.ts";
import { type EmbeddedJournalOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { recover } from "./recovery.ts";
import { segmentsToDelete } from "./retention.ts";
import type { Segment } from "./segment.ts";
import type { PendingBatch } from "./staging.ts";
import { Store } from "./store.ts";
import { TailListeners } from "./tail.ts";

export interface EmbeddedJournalStats {
  /** fdatasync calls on segment files: with group commit, far fewer than appends. */
  fsyncs: number;
  /** Commit groups written (one write syscall each). */
  groups: number;
  /** Records stored since open. */
  records: number;
  /** Entries answered with the seq of an earlier copy of their id. */
  duplicates: number;
  /** Records found by the last recovery, and bytes it cut off torn or incomplete segment ends. */
  recoveredRecords: number;
  truncatedBytes: number;
  /** Acknowledged records (and their bytes) recoveries since start had to drop: each changed the epoch. */
  droppedRecords: number;
  droppedBytes: number;
  /** Tail listeners that threw (the journal carries on). */
  listenerErrors: number;
}

type Phase = "idle" | "open" | "closing" | "failed" | "closed";

/**
 * The embedded journal: an append-only log of segment files in one directory, with group commit.
 * Appends get their seqs synchronously and are encoded into the next commit group; one write and one
 * fdatasync make a whole group durable, then the index, the frame cache and the tail listeners see it
 * and the appends resolve. Format, recovery and guarantees: docs/journal.md.
 */
export class EmbeddedJournal implements Journal {
  readonly kind = "embedded" as const;
  readonly stats: EmbeddedJournalStats = {
    fsyncs: 0,
    groups: 0,
    records: 0,
    duplicates: 0,
    recoveredRecords: 0,
    truncatedBytes: 0,
    droppedRecords: 0,
    droppedBytes: 0,
    listenerErrors: 0,
  };
  private readonly o: ResolvedOptions;
  private phase: Phase = "idle";
  private reason = "not open";
  private epoch = "";
  private store: Store;
  private dedup: DedupWindow;
  private writer: GroupCommit | undefined;
  private nextSeq = 1;
  /** Newest committed seq. */
  private last = 0;
  private dirFd = -1;
  private bootId: string | null = null;
  private createdAt = 0;
  private readonly listeners = new TailListeners();
  private retentionTimer: ReturnType<typeof setInterval> | undefined;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private closing: Promise<void> | null = null;
  /** Held from the first open to close: a second writer on the directory would lose acked messages. */
  private lock: DirLock | null = null;

  constructor(options: EmbeddedJournalOptions) {
    this.o = resolveOptions(options);
    this.store = new Store(this.o.cacheBytes);
    this.dedup = new DedupWindow(this.o.dedupWindowMs, this.o.dedupMaxIds);
  }

  async open(): Promise<void> {
    if (this.phase === "open") return;
    if (this.closing !== null) throw TacError.unavailable("journal is closing");
    const { dir } = this.o;
    const now = this.o.now();
    // Reopening after a failure: start from the files, not from what memory believed.
    this.stopTimers();
    this.releaseFiles();
    this.writer = undefined;
    this.store = new Store(this.o.cacheBytes);
    this.dedup = new DedupWindow(this.o.dedupWindowMs, this.o.dedupMaxIds);
    try {
      // Owner-only, like every file in it (parents created here too: DATA_DIR itself on a first start).
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700);
      this.lock ??= DirLock.acquire(dir);
      const prev = readMeta(dir);
      this.bootId = currentBootId();
      this.epoch = chooseEpoch(prev, this.bootId);
      this.createdAt = prev?.epoch === this.epoch ? prev.createdAt : now;
      const report = recover(dir, this.store, this.dedup, now - this.o.dedupWindowMs, this.o.dedupMaxIds);
      this.nextSeq = report.nextSeq;
      this.last = report.nextSeq - 1;
      this.stats.recoveredRecords = report.records;
      this.stats.truncatedBytes = report.truncatedBytes;
      if (report.lost.length > 0) {
        // Seqs clients hold may now name nothing, or other messages: a new epoch makes every resume
        // answer `recovered: false` with a gap instead of a silent hole.
        this.epoch = uuidv7();
        this.createdAt = now;
        for (const l of report.lost) {
          this.stats.droppedRecords += l.records;
          this.stats.droppedBytes += l.bytes;
          this.o.logger?.warn("journal recovery dropped acknowledged records; new epoch", {
            segment: l.segment,
            afterSeq: l.afterSeq,
            toSeq: l.toSeq,
            records: l.records,
            bytes: l.bytes,
            reason: l.reason,
            epoch: this.epoch,
          });
        }
      }
      this.dirFd = fs.openSync(dir, "r");
      this.writeMeta(false);
      this.writer = new GroupCommit(this.o, this.store, this.dirFd, this.stats, {
        committed: (batches, seg, pos) => this.commit(batches, seg, pos),
        rolled: () => this.checkRetention(),
        failed: (reason) => {
          this.phase = "failed";
          this.reason = reason;
          this.o.onFailure(reason);
          this.scheduleReopen();
        },
      });
    } catch (err) {
      this.releaseFiles();
      if (err instanceof DataDirLockedError) {
        // Not ours to use: no retry can help while the holder lives, so the caller hears it as it is.
        this.phase = "closed";
        this.reason = err.message;
        throw err;
      }
      this.phase = "failed";
      this.reason = `cannot open ${dir}: ${errorMessage(err)}`;
      throw TacError.unavailable(`journal ${this.reason}`, 5, err);
    }
    this.phase = "open";
    this.reason = "";
    this.retentionTimer = setInterval(() => this.checkRetention(), this.o.retentionCheckMs);
    this.retentionTimer.unref?.();
    this.checkRetention();
  }

  /** Commits what was appended before the call, fsyncs, and releases the files; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown().finally(() => {
      this.closing = null;
    });
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.phase === "idle" || this.phase === "closed") {
      this.phase = "closed";
      this.reason = "closed";
      return;
    }
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    const failed = this.phase === "failed";
    if (!failed) this.phase = "closing";
    this.reason = "closing";
    await this.writer?.drain();
    this.stopTimers();
    let error: unknown;
    if (this.phase === "closing") {
      try {
        await this.writer?.finish();
        this.writeMeta(true);
      } catch (err) {
        error = err;
      }
    }
    this.releaseFiles();
    this.lock?.release();
    this.lock = null;
    this.phase = "closed";
    this.reason = "closed";
    if (error !== undefined)
      throw TacError.unavailable(`journal: final fsync failed: ${errorMessage(error)}`, 5, error);
  }

  status(): JournalStatus {
    if (this.phase === "open") return { ready: true };
    // A failed write is not fatal: reads keep serving and a reopen is probed until the disk recovers,
    // so restarting the node (what a failing /health would cause) would only drop its connections.
    return this.phase === "failed"
      ? { ready: false, reason: this.reason, readable: true }
      : { ready: false, reason: this.reason };
  }

  append(entries: readonly AppendEntry[]): Promise<number[]> {
    if (this.phase !== "open") return Promise.reject(TacError.unavailable(`journal ${this.reason}`, 5));
    const problem = checkEntries(entries);
    if (problem !== null) return Promise.reject(TacError.validation(problem.message, problem.path));
    if (entries.length === 0) return Promise.resolve([]);
    const now = this.o.now();
    this.dedup.expire(now);
    const { seqs, stored, nextSeq, duplicates } = assignSeqs(entries, this.dedup, this.nextSeq, now);
    this.nextSeq = nextSeq;
    this.stats.duplicates += duplicates;
    const writer = this.writer!;
    return new Promise<number[]>((resolve, reject) => {
      writer.submit({ entries, seqs, stored, appendedAt: now, resolve, reject });
    });
  }

  async read(feedId: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    if (this.phase !== "open" && this.phase !== "failed" && this.phase !== "closing") {
      throw TacError.unavailable(`journal ${this.reason}`, 5);
    }
    if (!Number.isFinite(afterSeq) || !Number.isFinite(limit)) {
      throw TacError.validation("afterSeq and limit must be finite numbers");
    }
    return this.store.read(feedId, afterSeq, Math.floor(limit), this.o.now());
  }

  async position(feedId: string): Promise<FeedPosition> {
    if (this.epoch === "") throw TacError.unavailable(`journal ${this.reason}`, 5);
    return {
      epoch: this.epoch,
      head: this.store.head(feedId),
      first: this.store.first(this.last),
      last: this.last,
    };
  }

  async feeds(): Promise<FeedSummary[]> {
    if (this.epoch === "") throw TacError.unavailable(`journal ${this.reason}`, 5);
    const out: FeedSummary[] = [];
    for (const [feedId, index] of this.store.feeds) {
      if (index.size === 0) continue;
      const head = index.head();
      // `now` 0: the newest message's time is wanted even when it has expired.
      const [newest] = await this.store.read(feedId, head - 1, 1, 0);
      const s: FeedSummary = { feedId, count: index.size, head };
      if (newest !== undefined) s.newestAt = frameTimestamp(newest.frame);
      out.push(s);
    }
    return out;
  }

  tail(listener: TailListener): () => void {
    return this.listeners.add(listener);
  }

  /** Deletes the segments retention no longer needs; runs on a timer and after every segment roll. */
  checkRetention(): void {
    if (this.phase !== "open") return;
    const n = segmentsToDelete(this.store.segments, this.o.retention, this.o.now());
    if (n > 0) this.store.dropOldest(n, this.last);
  }

  /** Makes a durable group visible: index, cache, tail listeners (once per group), then the callers. */
  private commit(batches: PendingBatch[], seg: Segment | undefined, pos: number): void {
    const out: StoredMessage[] | null = this.listeners.size > 0 ? [] : null;
    const records = this.store.commit(batches, seg, pos, out);
    if (seg !== undefined && seg.lastSeq > this.last) this.last = seg.lastSeq;
    this.stats.records += records;
    this.stats.groups++;
    if (out !== null) {
      this.listeners.dispatch(out);
      this.stats.listenerErrors = this.listeners.errors;
    }
    for (const b of batches) b.resolve(b.seqs);
  }

  private writeMeta(clean: boolean): void {
    writeMeta(this.o.dir, {
      format: 1,
      epoch: this.epoch,
      createdAt: this.createdAt,
      clean,
      fsync: this.o.fsync,
      bootId: this.bootId,
    });
  }

  /**
   * Reopens from the files (only they say what is on disk after a torn write) every reopenProbeMs while
   * the journal is failed; a disk that got space back, or was remounted writable, is picked up by itself.
   */
  private scheduleReopen(): void {
    if (this.reopenTimer !== undefined) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.phase !== "failed" || this.closing !== null) return;
      this.open().then(
        () => this.o.onRecovered(),
        () => this.scheduleReopen(),
      );
    }, this.o.reopenProbeMs);
    this.reopenTimer.unref?.();
  }

  private stopTimers(): void {
    clearInterval(this.retentionTimer);
    this.retentionTimer = undefined;
    this.writer?.stop();
  }

  private releaseFiles(): void {
    // Reads still in flight keep their segment's fd until they finish.
    for (const seg of this.store.segments) seg.dispose();
    if (this.dirFd >= 0) fs.closeSync(this.dirFd);
    this.dirFd = -1;
  }
}
