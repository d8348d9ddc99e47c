import { afterEach, beforeEach, describe, expect, type Mock, spyOn, test } from "bun:test";
import * as fs from "node:fs";
import type { StoredMessage } from "../../../src/journal/journal.ts";
import { makeEntry } from "../entries.ts";
import { journalDir } from "./helpers.ts";

type SyncCallback = (err: NodeJS.ErrnoException | null) => void;

/**
 * Issue 15: a slow or stalled disk must hold up the 202 of what it is syncing, never the event loop —
 * so fan-out of what is already durable, reads and timers go on meanwhile.
 */
describe("embedded journal: the fdatasync leaves the event loop", () => {
  let d: ReturnType<typeof journalDir>;
  let inline: Mock<typeof fs.fdatasyncSync>;
  let pooled: Mock<typeof fs.fdatasync>;
  beforeEach(() => {
    d = journalDir();
    inline = spyOn(fs, "fdatasyncSync");
    pooled = spyOn(fs, "fdatasync");
  });
  afterEach(async () => {
    inline.mockRestore();
    pooled.mockRestore();
    await d.cleanup();
  });

  test("with the default options no group's fdatasync runs on the event loop", async () => {
    const j = await d.open();
    inline.mockClear();
    for (let i = 0; i < 20; i++) await j.append([makeEntry("a"), makeEntry("b")]);
    expect(inline).toHaveBeenCalledTimes(0);
    expect(pooled.mock.calls.length).toBeGreaterThanOrEqual(20);
  });

  test("a stalled fdatasync holds its 202 back, not timers, reads or the tail of what is durable", async () => {
    const j = await d.open();
    const tailed: StoredMessage[] = [];
    let tailWaiter: (() => void) | null = null;
    j.tail((batch) => {
      tailed.push(...batch);
      tailWaiter?.();
    });
    const first = await j.append([makeEntry("f")]);
    expect(tailed.map((m) => m.seq)).toEqual(first);

    // The disk stalls: every fdatasync from now on waits until the test lets it finish.
    const held: Array<() => void> = [];
    let syncStarted: () => void = () => {};
    const started = new Promise<void>((r) => {
      syncStarted = r;
    });
    pooled.mockImplementation(((fd: number, cb: SyncCallback) => {
      held.push(() => {
        fs.fdatasyncSync(fd);
        cb(null);
      });
      syncStarted();
    }) as typeof fs.fdatasync);
    let acked = false;
    const second = j.append([makeEntry("f")]).then((s) => {
      acked = true;
      return s;
    });
    await started;

    // While the sync is stalled the loop turns: a timer fires, a read of the durable message completes.
    await new Promise((r) => setTimeout(r, 20));
    const page = await j.read("f", 0, 10);
    expect(page.map((m) => m.seq)).toEqual(first);
    expect(acked).toBe(false);
    expect(tailed.length).toBe(1);

    // The disk comes back: the 202 and the delivery follow, in order.
    const delivered = new Promise<void>((r) => {
      tailWaiter = r;
    });
    for (const release of held.splice(0)) release();
    const seqs = await second;
    await delivered;
    expect(seqs[0]!).toBeGreaterThan(first[0]!);
    expect(tailed.map((m) => m.seq)).toEqual([...first, ...seqs]);
  });
});
