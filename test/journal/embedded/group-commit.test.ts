import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { segmentFileName } from "../../../src/journal/embedded/segment.ts";
import { ErrorCode, TacError } from "../../../src/protocol/errors.ts";
import { makeEntry } from "../entries.ts";
import { journalDir } from "./helpers.ts";

const hop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves once `cond()` holds, polling; for effects that have no event of their own (a timer's fsync). */
async function eventually(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("embedded journal group commit", () => {
  let d: ReturnType<typeof journalDir>;
  beforeEach(() => {
    d = journalDir();
  });
  afterEach(() => d.cleanup());

  test("1,000 concurrent callers share fsyncs (fsync always)", async () => {
    const j = await d.open();
    // Callers arrive over many event-loop turns, i.e. while earlier groups' fsyncs are in flight,
    // and each appends three times in a row.
    const results = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        for (let h = 0; h < i % 25; h++) await hop();
        const seqs: number[] = [];
        for (let k = 0; k < 3; k++) seqs.push(...(await j.append([makeEntry(`f${i % 7}`)])));
        return seqs;
      }),
    );
    const all = results.flat();
    expect(new Set(all).size).toBe(3000);
    expect(Math.max(...all)).toBe(3000);
    expect(j.stats.records).toBe(3000);
    expect(j.stats.fsyncs).toBeLessThan(150);
    expect(j.stats.fsyncs).toBe(j.stats.groups);
  });

  test("with fsync always, an append resolves only after the fsync that covers it", async () => {
    const j = await d.open();
    const before = j.stats.fsyncs;
    await j.append([makeEntry("a")]);
    expect(j.stats.fsyncs).toBe(before + 1);
  });

  test("with fsync interval, an append resolves after the write and a timer fsyncs", async () => {
    const j = await d.open({ fsync: "interval", fsyncIntervalMs: 20 });
    const seqs = await Promise.all(Array.from({ length: 100 }, () => j.append([makeEntry("a")])));
    expect(seqs.flat()).toHaveLength(100);
    expect(j.stats.fsyncs).toBe(0);
    await eventually(() => j.stats.fsyncs > 0);
    expect(j.stats.fsyncs).toBeLessThan(5);
  });

  test("close flushes and commits appends still in flight, then refuses new ones", async () => {
    const j = await d.open();
    const pending = Array.from({ length: 50 }, () => j.append([makeEntry("a")]));
    const closing = j.close();
    expect(j.close()).toBe(closing);
    const refused = await j.append([makeEntry("a")]).catch((e: unknown) => e);
    expect((refused as TacError).code).toBe(ErrorCode.Unavailable);
    await closing;
    expect((await Promise.all(pending)).flat()).toHaveLength(50);
    const k = await d.open();
    expect(await k.read("a", 0, 100)).toHaveLength(50);
  });

  test("a failed write (disk full) refuses the batch whole, marks the journal not ready, and loses nothing acknowledged", async () => {
    const j = await d.open({ segmentBytes: 4096 });
    const acked = await j.append(
      Array.from({ length: 20 }, () => makeEntry("a", { payload: { pad: "x".repeat(200) } })),
    );
    // The next group must roll to a new segment, whose file is /dev/full: every write fails ENOSPC.
    const next = segmentFileName(acked.at(-1)! + 1);
    symlinkSync("/dev/full", join(d.dir, next));
    const failed = await j.append([makeEntry("a"), makeEntry("a")]).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TacError);
    expect((failed as TacError).code).toBe(ErrorCode.Unavailable);
    expect((failed as TacError).retryAfter).toBeGreaterThan(0);
    const status = j.status();
    expect(status.ready).toBe(false);
    expect(status.reason).toContain("write failed");
    // Not fatal: the journal probes a reopen itself, so /health must not get the node restarted.
    expect(status.fatal).toBeUndefined();
    expect((await j.append([makeEntry("a")]).catch((e: unknown) => e)) as TacError).toBeInstanceOf(TacError);
    expect((await j.read("a", 0, 100)).map((m) => m.seq)).toEqual(acked);
    await j.close();
    unlinkSync(join(d.dir, next));
    const k = await d.open({ segmentBytes: 4096 });
    expect(k.status().ready).toBe(true);
    expect((await k.read("a", 0, 100)).map((m) => m.seq)).toEqual(acked);
    expect(await k.append([makeEntry("a")])).toEqual([acked.at(-1)! + 1]);
  });

  test("after a failed write: one failure call with the cause, reads served, writes back once the disk recovers", async () => {
    const failures: string[] = [];
    let recovered!: () => void;
    const back = new Promise<void>((r) => {
      recovered = r;
    });
    const j = await d.open({
      segmentBytes: 4096,
      reopenProbeMs: 10,
      onFailure: (reason) => failures.push(reason),
      onRecovered: () => recovered(),
    });
    const acked = await j.append(
      Array.from({ length: 20 }, () => makeEntry("a", { payload: { pad: "x".repeat(200) } })),
    );
    const next = join(d.dir, segmentFileName(acked.at(-1)! + 1));
    symlinkSync("/dev/full", next);
    await j.append([makeEntry("a")]).catch(() => {});
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain("ENOSPC");
    expect((await j.read("a", 0, 100)).map((m) => m.seq)).toEqual(acked);
    // The disk "gets space back": the probe's reopen succeeds without anyone restarting the journal.
    unlinkSync(next);
    await back;
    expect(j.status().ready).toBe(true);
    expect(failures).toHaveLength(1);
    expect(await j.append([makeEntry("a")])).toEqual([acked.at(-1)! + 1]);
    expect((await j.read("a", 0, 100)).map((m) => m.seq)).toEqual([...acked, acked.at(-1)! + 1]);
    await j.close();
  });
});
