import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { segmentsToDelete } from "../../../src/journal/embedded/retention.ts";
import { makeEntry } from "../entries.ts";
import { journalDir, manualClock } from "./helpers.ts";

const seg = (count: number, bytes: number, newestAppendedAt: number) => ({ count, bytes, newestAppendedAt });
const none = { maxMessages: 0, maxAgeMs: 0, maxBytes: 0 };

describe("segmentsToDelete", () => {
  const segs = [seg(10, 1000, 100), seg(10, 1000, 200), seg(10, 1000, 300), seg(5, 500, 400)];

  test("keeps everything without limits", () => {
    expect(segmentsToDelete(segs, none, 1e12)).toBe(0);
  });

  test("maxMessages deletes a segment only when newer ones hold enough messages", () => {
    expect(segmentsToDelete(segs, { ...none, maxMessages: 15 }, 0)).toBe(2);
    expect(segmentsToDelete(segs, { ...none, maxMessages: 16 }, 0)).toBe(1);
    expect(segmentsToDelete(segs, { ...none, maxMessages: 26 }, 0)).toBe(0);
  });

  test("maxBytes works the same way on bytes", () => {
    expect(segmentsToDelete(segs, { ...none, maxBytes: 1500 }, 0)).toBe(2);
    expect(segmentsToDelete(segs, { ...none, maxBytes: 2600 }, 0)).toBe(0);
  });

  test("maxAgeMs deletes segments whose newest record is older, never the newest segment", () => {
    expect(segmentsToDelete(segs, { ...none, maxAgeMs: 100 }, 300)).toBe(2);
    expect(segmentsToDelete(segs, { ...none, maxAgeMs: 1 }, 1e12)).toBe(3);
  });
});

describe("embedded journal retention", () => {
  let d: ReturnType<typeof journalDir>;
  beforeEach(() => {
    d = journalDir();
  });
  afterEach(() => d.cleanup());

  const padded = () => makeEntry("a", { payload: { pad: "r".repeat(250) } });

  test("maxMessages deletes whole old segments on roll and keeps at least the newest N", async () => {
    const j = await d.open({ segmentBytes: 4096, retention: { maxMessages: 30 } });
    const seqs: number[] = [];
    for (let i = 0; i < 100; i++) seqs.push(...(await j.append([padded()])));
    const read = (await j.read("a", 0, 1000)).map((m) => m.seq);
    const p = await j.position("a");
    expect(read.length).toBeGreaterThanOrEqual(30);
    expect(read.length).toBeLessThan(30 + 2 * 14);
    expect(read).toEqual(seqs.slice(seqs.length - read.length));
    expect(p.first).toBe(read[0]!);
    expect(p.last).toBe(100);
    expect(p.head).toBe(100);
    expect(d.segments().length).toBeLessThanOrEqual(4);
    // Deleted stays deleted, and seqs continue, after a restart.
    await j.close();
    const k = await d.open({ segmentBytes: 4096, retention: { maxMessages: 30 } });
    expect((await k.position("a")).first).toBe(p.first);
    expect(await k.append([padded()])).toEqual([101]);
  });

  test("maxBytes keeps the newest segments that hold at least that many bytes", async () => {
    const j = await d.open({ segmentBytes: 4096, retention: { maxBytes: 8192 } });
    for (let i = 0; i < 100; i++) await j.append([padded()]);
    const files = d.segments();
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files.length).toBeLessThanOrEqual(4);
    expect((await j.position("a")).first).toBeGreaterThan(1);
  });

  test("maxAgeMs deletes old segments on the timer's check; a quiet active segment is sealed by age", async () => {
    const clock = manualClock();
    const opts = { segmentBytes: 4096, retention: { maxAgeMs: 60_000 }, now: clock.now };
    const j = await d.open(opts);
    for (let i = 0; i < 40; i++) await j.append([padded()]);
    const segments = d.segments().length;
    expect(segments).toBeGreaterThan(2);
    clock.t += 61_000;
    j.checkRetention();
    expect(d.segments()).toHaveLength(1);
    const [fresh] = await j.append([padded()]);
    // The active segment held only old records: the append sealed it, so now it can go too.
    j.checkRetention();
    expect(d.segments()).toHaveLength(1);
    expect((await j.read("a", 0, 1000)).map((m) => m.seq)).toEqual([fresh!]);
    expect(await j.position("a")).toMatchObject({ first: fresh!, last: fresh!, head: fresh! });
  });

  test("a feed whose messages all went reports head 0", async () => {
    const clock = manualClock();
    const j = await d.open({ segmentBytes: 4096, retention: { maxAgeMs: 1000 }, now: clock.now });
    const [old] = await j.append([makeEntry("gone")]);
    for (let i = 0; i < 20; i++) await j.append([padded()]);
    clock.t += 2000;
    await j.append([padded()]);
    j.checkRetention();
    expect((await j.position("gone")).head).toBe(0);
    expect((await j.position("gone")).first).toBeGreaterThan(old!);
    expect(await j.read("gone", 0, 10)).toEqual([]);
  });
});
