import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCK_FILE } from "../../../src/journal/embedded/lock.ts";
import { RECORD_HEADER_SIZE } from "../../../src/journal/embedded/record.ts";
import type { AppendEntry } from "../../../src/journal/journal.ts";
import { decodeFrame } from "../../../src/protocol/frame.ts";
import { makeEntry, retryOf } from "../entries.ts";
import { journalDir, manualClock } from "./helpers.ts";

const recordBytes = (e: AppendEntry) => RECORD_HEADER_SIZE + e.frame.length;

describe("embedded journal recovery", () => {
  let d: ReturnType<typeof journalDir>;
  beforeEach(() => {
    d = journalDir();
  });
  afterEach(() => d.cleanup());

  /** Three batches (2, 3 and 3 records) in one segment; returns their seqs and entries. */
  async function threeBatches() {
    const j = await d.open();
    const batches = [
      [makeEntry("a"), makeEntry("b")],
      [makeEntry("a"), makeEntry("a"), makeEntry("b")],
      [makeEntry("a"), makeEntry("b"), makeEntry("a")],
    ];
    const seqs: number[][] = [];
    for (const b of batches) seqs.push(await j.append(b));
    await j.close();
    expect(d.segments()).toHaveLength(1);
    return { batches, seqs, file: d.segments()[0]! };
  }

  async function allSeqs(j: { read(f: string, a: number, l: number): Promise<{ seq: number }[]> }) {
    const a = await j.read("a", 0, 1000);
    const b = await j.read("b", 0, 1000);
    return [...a, ...b].map((m) => m.seq).sort((x, y) => x - y);
  }

  test("garbage after the last record is cut off; every record before it survives", async () => {
    const { seqs, file } = await threeBatches();
    const size = statSync(file).size;
    appendFileSync(file, crypto.getRandomValues(new Uint8Array(100)));
    const j = await d.open();
    expect(j.stats.truncatedBytes).toBe(100);
    expect(j.stats.recoveredRecords).toBe(8);
    expect(statSync(file).size).toBe(size);
    expect(await allSeqs(j)).toEqual(seqs.flat());
    expect(await j.append([makeEntry("a")])).toEqual([9]);
  });

  test("zeros after the last record are space written ahead, not damage: kept and written over", async () => {
    const { seqs, file } = await threeBatches();
    const size = statSync(file).size;
    appendFileSync(file, new Uint8Array(4096));
    const j = await d.open();
    expect(j.stats.truncatedBytes).toBe(0);
    expect(await allSeqs(j)).toEqual(seqs.flat());
    expect(statSync(file).size).toBe(size + 4096);
    // The next record goes right after the last one, inside the zeros, and survives a crash there.
    const next = makeEntry("a");
    expect(await j.append([next])).toEqual([9]);
    // A crash here: the process that held the lock is gone, so its lock file no longer binds.
    unlinkSync(join(d.dir, LOCK_FILE));
    const crashed = await d.open();
    expect(await allSeqs(crashed)).toEqual([...seqs.flat(), 9]);
    await crashed.close();
    // A clean close leaves only records in the file.
    expect(statSync(file).size).toBe(size + recordBytes(next));
  });

  test("appends write zeros ahead once per stretch, so most of them do not grow the file", async () => {
    const j = await d.open({ preallocateBytes: 64 * 1024 });
    const file = () => d.segments()[0]!;
    let bytes = 0;
    const append = (e: AppendEntry) => {
      bytes += recordBytes(e);
      return j.append([e]);
    };
    await append(makeEntry("a"));
    const first = statSync(file()).size;
    expect(first).toBe(bytes + 64 * 1024);
    for (let i = 0; i < 20; i++) await append(makeEntry("a"));
    expect(statSync(file()).size).toBe(first);
    await j.close();
    expect(statSync(file()).size).toBe(bytes);
  });

  test("garbage after zeros written ahead is damage: cut off at the last record", async () => {
    const { seqs, file } = await threeBatches();
    const size = statSync(file).size;
    appendFileSync(file, new Uint8Array(4096));
    appendFileSync(file, new Uint8Array([1, 2, 3]));
    const j = await d.open();
    expect(j.stats.truncatedBytes).toBe(4099);
    expect(statSync(file).size).toBe(size);
    expect(await allSeqs(j)).toEqual(seqs.flat());
  });

  test("a torn last record drops its whole batch, and the batch's ids can be stored again", async () => {
    const { batches, seqs, file } = await threeBatches();
    truncateSync(file, statSync(file).size - 10);
    const j = await d.open();
    expect(await allSeqs(j)).toEqual([...seqs[0]!, ...seqs[1]!]);
    // The dropped batch was never acknowledged: its seqs are free and its ids unknown.
    expect(await j.append([retryOf(batches[2]![0]!)])).toEqual([seqs[2]![0]!]);
  });

  test("a trailing batch without its last record (no batch end) is dropped whole", async () => {
    const { batches, seqs, file } = await threeBatches();
    const lastRecord = recordBytes(batches[2]![2]!);
    const size = statSync(file).size;
    truncateSync(file, size - lastRecord);
    const j = await d.open();
    // Two intact, checksummed records remain on disk, but their batch never completed.
    expect(j.stats.truncatedBytes).toBe(recordBytes(batches[2]![0]!) + recordBytes(batches[2]![1]!));
    expect(await allSeqs(j)).toEqual([...seqs[0]!, ...seqs[1]!]);
    const p = await j.position("a");
    expect(p.last).toBe(seqs[1]![2]!);
  });

  test("a flipped bit in the last record fails its checksum and drops its batch", async () => {
    const { seqs, file } = await threeBatches();
    const bytes = readFileSync(file);
    bytes[bytes.length - 5]! ^= 0x10;
    writeFileSync(file, bytes);
    const j = await d.open();
    expect(await allSeqs(j)).toEqual([...seqs[0]!, ...seqs[1]!]);
  });

  test("damage mid-segment (not a torn tail) changes the epoch and says what it dropped", async () => {
    const { batches, seqs, file } = await threeBatches();
    const k = await d.open();
    const epoch = (await k.position("a")).epoch;
    await k.close();
    const bytes = readFileSync(file);
    const start = recordBytes(batches[0]![0]!) + recordBytes(batches[0]![1]!);
    bytes[start + RECORD_HEADER_SIZE + 40]! ^= 0x04;
    writeFileSync(file, bytes);
    const warnings: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
    const j = await d.open({ logger: { warn: (msg, fields) => warnings.push({ msg, fields }) } });
    const p = await j.position("a");
    expect(p.epoch).not.toBe(epoch);
    expect(await allSeqs(j)).toEqual(seqs[0]!);
    expect(j.stats.droppedRecords).toBe(6);
    expect(j.stats.droppedBytes).toBe(bytes.length - start);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({
      afterSeq: seqs[0]!.at(-1),
      toSeq: seqs[2]!.at(-1),
      records: 6,
      bytes: bytes.length - start,
      reason: "checksum",
    });
    // The lost seqs name nothing any more: new messages get fresh ones.
    expect(await j.append([makeEntry("a")])).toEqual([seqs[2]!.at(-1)! + 1]);
  });

  test("a torn tail (nothing intact behind it) keeps the epoch and counts no loss", async () => {
    const { file } = await threeBatches();
    const k = await d.open();
    const epoch = (await k.position("a")).epoch;
    await k.close();
    truncateSync(file, statSync(file).size - 10);
    const j = await d.open();
    expect((await j.position("a")).epoch).toBe(epoch);
    expect(j.stats.droppedRecords).toBe(0);
  });

  test("frames recovered from disk decode and carry their seq", async () => {
    const { batches, seqs } = await threeBatches();
    const j = await d.open({ cacheBytes: 0 });
    const read = await j.read("a", 0, 100);
    const want = batches.flat().flatMap((e, i) => (e.feedId === "a" ? [seqs.flat()[i]!] : []));
    expect(read.map((m) => m.seq)).toEqual(want);
    for (const m of read) expect(decodeFrame(m.frame).seq).toBe(m.seq);
  });

  test("seqs are not reused when the newest segment is empty and every older one is gone", async () => {
    const j = await d.open({ segmentBytes: 4096 });
    while (d.segments().length < 3) await j.append([makeEntry("a", { payload: { pad: "p".repeat(600) } })]);
    await j.close();
    const files = d.segments();
    for (const f of files.slice(0, -1)) unlinkSync(f);
    const newest = files.at(-1)!;
    const base = Number(newest.slice(-20, -4));
    // The newest segment holds records from `base` on; tear all of it off.
    truncateSync(newest, 5);
    const k = await d.open({ segmentBytes: 4096 });
    const p = await k.position("a");
    expect(p.last).toBe(base - 1);
    expect(p.first).toBe(base);
    expect(await k.append([makeEntry("a")])).toEqual([base]);
  });

  test("de-duplication survives a restart within the window and lapses after it", async () => {
    const clock = manualClock();
    const j = await d.open({ now: clock.now, dedupWindowMs: 60_000 });
    const e = makeEntry("a");
    const [seq] = await j.append([e]);
    await j.close();
    clock.t += 30_000;
    const k = await d.open({ now: clock.now, dedupWindowMs: 60_000 });
    expect(await k.append([retryOf(e)])).toEqual([seq!]);
    await k.close();
    clock.t += 31_000;
    const m = await d.open({ now: clock.now, dedupWindowMs: 60_000 });
    const [again] = await m.append([retryOf(e)]);
    expect(again!).toBeGreaterThan(seq!);
  });

  test("the id map is capped at dedupMaxIds, oldest ids first", async () => {
    const j = await d.open({ dedupMaxIds: 3 });
    const es = Array.from({ length: 5 }, () => makeEntry("a"));
    const seqs = await j.append(es);
    expect(await j.append([retryOf(es[4]!), retryOf(es[2]!)])).toEqual([seqs[4]!, seqs[2]!]);
    const [fresh] = await j.append([retryOf(es[0]!)]);
    expect(fresh!).toBeGreaterThan(seqs[4]!);
  });
});
