import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { RECORD_HEADER_SIZE } from "../../../src/journal/embedded/record.ts";
import { makeEntry } from "../entries.ts";
import { journalDir } from "./helpers.ts";

/** Flips one bit at `at` of `file` behind the journal's back (bit rot while it runs). */
function flip(file: string, at: number): void {
  const byte = readFileSync(file)[at]! ^ 0x04;
  const fd = openSync(file, "r+");
  writeSync(fd, new Uint8Array([byte]), 0, 1, at);
  closeSync(fd);
}

describe("embedded journal: reads verify each record's checksum", () => {
  let d: ReturnType<typeof journalDir>;
  beforeEach(() => {
    d = journalDir();
  });
  afterEach(() => d.cleanup());

  test("a damaged record is returned as damaged, never with its bytes; its neighbours are intact", async () => {
    // No frame cache: every read goes to the file, as for any replay older than the cache.
    const j = await d.open({ cacheBytes: 0 });
    const entries = [makeEntry("a"), makeEntry("a"), makeEntry("a")];
    const seqs = await j.append(entries);
    const second = RECORD_HEADER_SIZE + entries[0]!.frame.length;
    flip(d.segments()[0]!, second + RECORD_HEADER_SIZE + 50);
    const got = await j.read("a", 0, 10);
    expect(got.map((m) => m.seq)).toEqual(seqs);
    expect(got.map((m) => m.damaged)).toEqual([undefined, "checksum", undefined]);
    expect(got[1]!.frame.length).toBe(0);
    expect(got[2]!.frame).toEqual(entries[2]!.frame);
    // Read alone (the run then starts at the damaged record) gives the same verdict.
    const alone = await j.read("a", seqs[0]!, 1);
    expect(alone[0]!.damaged).toBe("checksum");
    // A later read of a good record is served without reading its checksum again, and stays good.
    expect((await j.read("a", seqs[1]!, 1))[0]!.damaged).toBeUndefined();
  });
});
