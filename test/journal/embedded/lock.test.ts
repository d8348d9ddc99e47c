import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DataDirLockedError,
  DirLock,
  LOCK_FILE,
  processStartTime,
} from "../../../src/journal/embedded/lock.ts";
import { makeEntry } from "../entries.ts";
import { journalDir } from "./helpers.ts";

describe("journal directory lock", () => {
  let d: ReturnType<typeof journalDir>;
  beforeEach(() => {
    d = journalDir();
  });
  afterEach(() => d.cleanup());

  test("a second journal on the same directory in one process is refused, naming the holder", async () => {
    const j = await d.open();
    const err = await d.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).code).toBe("DATA_DIR_LOCKED");
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    // The first one is untouched by the refusal.
    expect(await j.append([makeEntry("a")])).toEqual([1]);
    await j.close();
    expect(existsSync(join(d.dir, LOCK_FILE))).toBe(false);
    const k = await d.open();
    expect(await k.append([makeEntry("a")])).toEqual([2]);
  });

  test("a lock left by a process that is gone (SIGKILL) is taken over", async () => {
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(join(d.dir, LOCK_FILE), JSON.stringify({ pid: dead, startedAt: 1, host: "x" }));
    const j = await d.open();
    expect(JSON.parse(readFileSync(join(d.dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await j.close();
  });

  test("a lock whose pid now names a younger process (pid reuse) is stale", async () => {
    const mine = processStartTime(process.pid);
    if (mine === null) return; // no /proc: the start time cannot be compared here
    writeFileSync(
      join(d.dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, startedAt: mine - 1, host: "x" }),
    );
    const j = await d.open();
    await j.close();
  });

  test("an unreadable lock file (its writer died mid-create) does not block", async () => {
    writeFileSync(join(d.dir, LOCK_FILE), "");
    const lock = DirLock.acquire(d.dir);
    lock.release();
    expect(existsSync(join(d.dir, LOCK_FILE))).toBe(false);
  });
});
