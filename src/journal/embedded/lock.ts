import * as fs from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import * as v from "valibot";

export const LOCK_FILE = "journal.lock";

const HolderSchema = v.object({
  pid: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  /** The holder's start time (clock ticks since boot, /proc/<pid>/stat field 22), null where unknown. */
  startedAt: v.nullable(v.number()),
  host: v.string(),
});
export type LockHolder = v.InferOutput<typeof HolderSchema>;

/** Another live process (or another journal in this one) writes to the directory: refusing is the fix. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  readonly code = "DATA_DIR_LOCKED" as const;
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `${dir} is in use by pid ${holder.pid} on ${holder.host}` +
        (holder.pid === process.pid ? " (this process: another journal is open on it)" : "") +
        `; stop it, or give this one another DATA_DIR (lock file ${join(dir, LOCK_FILE)})`,
    );
  }
}

/** How the lock looks at processes; tests replace it to play a dead holder or a reused pid. */
export interface ProcessProbe {
  self(): LockHolder;
  /** Whether `holder` is still the process that wrote the lock. */
  alive(holder: LockHolder): boolean;
}

/**
 * An exclusive lock on a journal directory: a file created with O_EXCL holding who took it. There is
 * no flock in Node's or Bun's standard library; a holder that was SIGKILLed leaves the file behind,
 * so a lock whose pid is gone, or whose pid now names a younger process (pid reuse), is stale and
 * taken over.
 */
export class DirLock {
  private constructor(
    private readonly path: string,
    private readonly mine: string,
  ) {}

  static acquire(dir: string, probe: ProcessProbe = systemProbe): DirLock {
    const path = join(dir, LOCK_FILE);
    const me = probe.self();
    const text = JSON.stringify(me);
    // Two rounds: a stale lock is removed once, then the O_EXCL create decides between racing starters.
    for (let round = 0; ; round++) {
      try {
        const fd = fs.openSync(
          path,
          fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
          0o600,
        );
        try {
          fs.writeFileSync(fd, text);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return new DirLock(path, text);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = readHolder(path);
      // An unreadable lock is one whose writer died between create and write: nobody holds it.
      if (holder !== null && (probe.alive(holder) || round > 0)) throw new DataDirLockedError(dir, holder);
      try {
        fs.unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
  }

  /** Removes the lock if it is still ours (an operator may have removed it by hand). */
  release(): void {
    try {
      if (fs.readFileSync(this.path, "utf8") === this.mine) fs.unlinkSync(this.path);
    } catch {
      // Already gone: nothing is held.
    }
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const parsed = v.safeParse(HolderSchema, JSON.parse(fs.readFileSync(path, "utf8")));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}

/** A process's start time from /proc (Linux); null elsewhere. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

export const systemProbe: ProcessProbe = {
  self: () => ({ pid: process.pid, startedAt: processStartTime(process.pid), host: hostname() }),
  alive(holder) {
    // The host is not compared: a container restarted on the same volume gets a new hostname, and
    // its old pid (often 1) is then judged by the start time below.
    try {
      process.kill(holder.pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    }
    if (holder.startedAt === null) return true;
    const now = processStartTime(holder.pid);
    return now === null || now === holder.startedAt;
  },
};
