import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { currentBootId, readMeta, writeMeta } from "../../../src/journal/embedded/meta.ts";
import { EmbeddedJournal } from "../../../src/journal/embedded.ts";
import { ErrorCode, TacError } from "../../../src/protocol/errors.ts";
import { readSeq } from "../../../src/protocol/frame.ts";
import { makeEntry, retryOf } from "../entries.ts";
import { journalDir } from "./helpers.ts";

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as TacError,
  );

describe("embedded journal lifecycle", () => {
  let d: ReturnType<typeof journalDir>;
  beforeEach(() => {
    d = journalDir();
  });
  afterEach(() => d.cleanup());

  test("before open: not ready, appends refused with UNAVAILABLE", async () => {
    const j = new EmbeddedJournal({ dir: d.dir });
    expect(j.status()).toEqual({ ready: false, reason: "not open" });
    expect((await errorOf(j.append([makeEntry("a")])))?.code).toBe(ErrorCode.Unavailable);
    await j.close();
  });

  test("bad options are refused at construction with the field named", () => {
    const bad = [
      { dir: "" },
      { dir: d.dir, segmentBytes: 10 },
      { dir: d.dir, fsync: "never" },
      { dir: d.dir, x: 1 },
    ];
    for (const options of bad) {
      let err: unknown;
      try {
        new EmbeddedJournal(options as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).code).toBe(ErrorCode.Validation);
    }
  });

  test("a batch with one bad entry is refused whole and consumes no seq", async () => {
    const j = await d.open();
    const bad = { ...makeEntry("a"), priority: 9 };
    const err = await errorOf(j.append([makeEntry("a"), bad]));
    expect(err?.code).toBe(ErrorCode.Validation);
    expect(err?.path).toBe("[1].priority");
    expect((await errorOf(j.append([{ ...makeEntry("a"), frame: new Uint8Array(3) }])))?.path).toBe(
      "[0].frame",
    );
    expect(await j.read("a", 0, 10)).toEqual([]);
    expect(await j.append([makeEntry("a")])).toEqual([1]);
  });

  test("the seq is written into the appended frame in place, before it is stored", async () => {
    const j = await d.open();
    const e = makeEntry("a");
    const [seq] = await j.append([e]);
    expect(readSeq(e.frame)).toBe(seq!);
    const [m] = await j.read("a", 0, 1);
    // The cache holds a copy of the stored bytes: the seq is in them too.
    expect(m!.frame).toEqual(e.frame);
    expect(readSeq(m!.frame)).toBe(seq!);
  });

  test("de-duplication keys on the id bytes of the frame, as recovery reads them back", async () => {
    const j = await d.open();
    const e = makeEntry("a");
    const [seq] = await j.append([e]);
    expect(await j.append([{ ...retryOf(e), id: e.id.toUpperCase() }])).toEqual([seq!]);
  });

  test("a server-made (fresh) id skips the lookup but is still recorded: a later publish of it is a duplicate", async () => {
    const j = await d.open();
    const e = { ...makeEntry("a"), fresh: true };
    const [seq] = await j.append([e, { ...makeEntry("a"), fresh: true }]);
    // Someone who learnt the id (from the 202) and publishes it again gets the first copy's seq.
    expect(await j.append([retryOf({ ...e, fresh: false })])).toEqual([seq!]);
    expect(j.stats.records).toBe(2);
  });

  test("the stats count listener errors", async () => {
    const j = await d.open();
    j.tail(() => {
      throw new Error("boom");
    });
    await j.append([makeEntry("a")]);
    await j.append([makeEntry("a")]);
    expect(j.stats.listenerErrors).toBe(2);
  });

  test("close marks the meta file clean; open marks it in use", async () => {
    const j = await d.open();
    expect(readMeta(d.dir)?.clean).toBe(false);
    await j.close();
    expect(readMeta(d.dir)?.clean).toBe(true);
  });

  test("a wiped directory starts a new epoch and restarts seqs at 1", async () => {
    const j = await d.open();
    await j.append([makeEntry("a"), makeEntry("a")]);
    const { epoch } = await j.position("a");
    await j.close();
    rmSync(d.dir, { recursive: true, force: true });
    const k = await d.open();
    expect((await k.position("a")).epoch).not.toBe(epoch);
    expect(await k.append([makeEntry("a")])).toEqual([1]);
  });

  describe("epoch after an unclean shutdown", () => {
    async function crashedWith(fsync: "always" | "interval", bootId: string | null) {
      const j = await d.open({ fsync });
      await j.append([makeEntry("a")]);
      const { epoch } = await j.position("a");
      await j.close();
      writeMeta(d.dir, { ...readMeta(d.dir)!, clean: false, bootId });
      const k = await d.open({ fsync });
      return { before: epoch, after: (await k.position("a")).epoch, k };
    }

    test("fsync interval and the machine rebooted: acknowledged data may be lost, so a new epoch", async () => {
      const { before, after, k } = await crashedWith("interval", "another-boot");
      expect(after).not.toBe(before);
      expect(await k.read("a", 0, 10)).toHaveLength(1);
    });

    test("fsync interval and only the process died: the page cache kept everything, same epoch", async () => {
      const { before, after } = await crashedWith("interval", currentBootId());
      if (currentBootId() === null) expect(after).not.toBe(before);
      else expect(after).toBe(before);
    });

    test("fsync always: every acknowledged record was fsynced, same epoch even after a reboot", async () => {
      const { before, after } = await crashedWith("always", "another-boot");
      expect(after).toBe(before);
    });
  });
});
