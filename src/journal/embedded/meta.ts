import * as fs from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { uuidv7 } from "../../protocol/uuid.ts";

export const META_FILE = "journal.meta.json";
const FORMAT = 1;

const MetaSchema = v.object({
  format: v.literal(FORMAT),
  epoch: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  createdAt: v.number(),
  /** False while a process has the journal open: still false at the next open means it crashed. */
  clean: v.boolean(),
  fsync: v.picklist(["always", "interval"]),
  /** Linux boot id of the last open: a different one after a crash means the page cache was lost. */
  bootId: v.nullable(v.string()),
});
export type JournalMeta = v.InferOutput<typeof MetaSchema>;

/** The meta file's content, or null when it is missing or not ours (a new epoch is then due). */
export function readMeta(dir: string): JournalMeta | null {
  let text: string;
  try {
    text = fs.readFileSync(join(dir, META_FILE), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = v.safeParse(MetaSchema, JSON.parse(text));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}

/** Replaces the meta file atomically and durably (temp file, fsync, rename, fsync of the directory). */
export function writeMeta(dir: string, meta: JournalMeta): void {
  const tmp = join(dir, `${META_FILE}.tmp`);
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(meta));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, join(dir, META_FILE));
  syncDir(dir);
}

export function currentBootId(): string | null {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
  } catch {
    return null;
  }
}

/**
 * The epoch for this open. A new one when the directory has no (valid) meta, and when the last run
 * used fsync "interval", did not close cleanly and the machine rebooted since (or we cannot tell):
 * then acknowledged messages may be gone and the seqs clients hold no longer name the same history.
 * A crashed process alone loses nothing in either mode: its writes are in the page cache.
 */
export function chooseEpoch(prev: JournalMeta | null, bootId: string | null): string {
  if (prev === null) return uuidv7();
  const mayHaveLost = !prev.clean && prev.fsync === "interval" && (bootId === null || prev.bootId !== bootId);
  return mayHaveLost ? uuidv7() : prev.epoch;
}

/** fsyncs a directory so that created, renamed and deleted entries survive a power loss. */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot fsync a directory; their file systems journal entries themselves.
  } finally {
    fs.closeSync(fd);
  }
}
