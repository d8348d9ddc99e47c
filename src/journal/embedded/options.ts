import * as v from "valibot";
import { TacError } from "../../protocol/errors.ts";
import { issuePath } from "../../protocol/message.ts";
import { REPLAY_WINDOW_MS } from "../../security/replay-window.ts";
import type { Retention } from "../journal.ts";
import { NO_RETENTION } from "./retention.ts";

export type FsyncMode = "always" | "interval";

export interface EmbeddedJournalOptions {
  /** Directory of the journal (created if missing); the server passes `DATA_DIR/journal`. */
  dir: string;
  /** "always" (default): append resolves after fdatasync. "interval": after the write; fsync on a timer. */
  fsync?: FsyncMode;
  /** fsync period in "interval" mode (default 100 ms). */
  fsyncIntervalMs?: number;
  /** A segment file is sealed and a new one started past this size (default 64 MiB). */
  segmentBytes?: number;
  /**
   * Zeros written ahead of the records of the active segment, so that most appends land inside the file
   * and their fdatasync skips the file system's metadata commit (default 1 MiB; 0 turns it off).
   */
  preallocateBytes?: number;
  /**
   * With fsync "always", a group's fdatasync runs on the thread pool (default 0), so fan-out, reads and
   * requests go on while the disk is slow. Above 0 (opt-in): on the event loop while it takes at most
   * this long, else on the pool for a while — it blocks the loop for each inline sync. See SyncPlacement.
   */
  inlineSyncMaxMs?: number;
  /** Journal-wide retention, whole segments at a time; missing fields mean unlimited. */
  retention?: Partial<Retention>;
  /** How often retention is checked besides on every segment roll (default 60 s). */
  retentionCheckMs?: number;
  /** Bytes of recent frames kept in memory for replays (default 64 MiB; 0 disables the cache). */
  cacheBytes?: number;
  /** How long a message id is remembered for de-duplication (default 600 s = the webhook replay window; 0 disables it). */
  dedupWindowMs?: number;
  /** At most this many ids are remembered (default 100,000). */
  dedupMaxIds?: number;
  /** The clock (epoch ms) for expiry, retention and the de-duplication window; tests inject one. */
  now?: () => number;
  /** Where recovery says what it had to drop. */
  logger?: JournalLogger;
  /** After a failed write, how often a reopen is tried until the disk takes writes again (default 1 s). */
  reopenProbeMs?: number;
  /** A write failed (reason names the cause: ENOSPC, EROFS…); called once per failure, not per retry. */
  onFailure?: (reason: string) => void;
  /** A reopen after a failure succeeded: writes are accepted again. */
  onRecovered?: () => void;
}

export interface JournalLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

const MiB = 1024 * 1024;
const count = (min: number, max: number) =>
  v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));
const RetentionSchema = v.strictObject({
  maxMessages: v.optional(count(0, Number.MAX_SAFE_INTEGER)),
  maxAgeMs: v.optional(count(0, Number.MAX_SAFE_INTEGER)),
  maxBytes: v.optional(count(0, Number.MAX_SAFE_INTEGER)),
});

const OptionsSchema = v.strictObject({
  dir: v.pipe(v.string(), v.minLength(1)),
  fsync: v.optional(v.picklist(["always", "interval"]), "always"),
  fsyncIntervalMs: v.optional(count(1, 60_000), 100),
  // Offsets are u32 in the index; a segment exceeds this size by at most one commit group.
  segmentBytes: v.optional(count(4096, 1024 * MiB), 64 * MiB),
  preallocateBytes: v.optional(count(0, 64 * MiB), MiB),
  inlineSyncMaxMs: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1000)), 0),
  retention: v.optional(RetentionSchema, {}),
  retentionCheckMs: v.optional(count(10, 24 * 3600_000), 60_000),
  cacheBytes: v.optional(count(0, 64 * 1024 * MiB), 64 * MiB),
  dedupWindowMs: v.optional(count(0, 7 * 24 * 3600_000), REPLAY_WINDOW_MS),
  dedupMaxIds: v.optional(count(1, 10_000_000), 100_000),
  now: v.optional(v.custom<() => number>((f) => typeof f === "function", "now must be a function")),
  logger: v.optional(
    v.custom<JournalLogger>(
      (l) => typeof (l as JournalLogger | null)?.warn === "function",
      "logger must have a warn method",
    ),
  ),
  reopenProbeMs: v.optional(count(1, 3600_000), 1000),
  onFailure: v.optional(
    v.custom<(reason: string) => void>((f) => typeof f === "function", "onFailure must be a function"),
  ),
  onRecovered: v.optional(
    v.custom<() => void>((f) => typeof f === "function", "onRecovered must be a function"),
  ),
});

export interface ResolvedOptions {
  dir: string;
  fsync: FsyncMode;
  fsyncIntervalMs: number;
  segmentBytes: number;
  preallocateBytes: number;
  inlineSyncMaxMs: number;
  retention: Retention;
  retentionCheckMs: number;
  cacheBytes: number;
  dedupWindowMs: number;
  dedupMaxIds: number;
  now: () => number;
  logger: JournalLogger | undefined;
  reopenProbeMs: number;
  onFailure: (reason: string) => void;
  onRecovered: () => void;
}

/** Validates the options once, at construction, and fills in the defaults. */
export function resolveOptions(input: EmbeddedJournalOptions): ResolvedOptions {
  const parsed = v.safeParse(OptionsSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw TacError.validation(`embedded journal options: ${issue.message}`, issuePath(issue));
  }
  const o = parsed.output;
  return {
    dir: o.dir,
    fsync: o.fsync,
    fsyncIntervalMs: o.fsyncIntervalMs,
    segmentBytes: o.segmentBytes,
    preallocateBytes: o.preallocateBytes,
    inlineSyncMaxMs: o.inlineSyncMaxMs,
    retention: {
      maxMessages: o.retention.maxMessages ?? NO_RETENTION.maxMessages,
      maxAgeMs: o.retention.maxAgeMs ?? NO_RETENTION.maxAgeMs,
      maxBytes: o.retention.maxBytes ?? NO_RETENTION.maxBytes,
    },
    retentionCheckMs: o.retentionCheckMs,
    cacheBytes: o.cacheBytes,
    dedupWindowMs: o.dedupWindowMs,
    dedupMaxIds: o.dedupMaxIds,
    now: o.now ?? Date.now,
    logger: o.logger,
    reopenProbeMs: o.reopenProbeMs,
    onFailure: o.onFailure ?? (() => {}),
    onRecovered: o.onRecovered ?? (() => {}),
  };
}
