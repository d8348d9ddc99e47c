import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SeenStore } from "../../../src/ingest/feeds/seen.ts";
import { removeTempDirs, tempDir } from "./node.ts";

afterAll(removeTempDirs);

describe("seen keys", () => {
  test("persist across a reopen; a torn last line is skipped", async () => {
    const path = join(tempDir(), "feeds", "f.seen.jsonl");
    const a = await SeenStore.open(path, 100);
    await a.add(["k1", 'k"2\nwith newline', "k1"]);
    expect(a.size).toBe(2);
    appendFileSync(path, '"torn');
    const b = await SeenStore.open(path, 100);
    expect(b.has("k1")).toBe(true);
    expect(b.has('k"2\nwith newline')).toBe(true);
    expect(b.has("torn")).toBe(false);
    expect(b.size).toBe(2);
  });

  test("bounded: the oldest keys go first, and the file is compacted", async () => {
    const path = join(tempDir(), "s.jsonl");
    const s = await SeenStore.open(path, 10);
    for (let i = 0; i < 50; i++) await s.add([`k${i}`]);
    expect(s.size).toBe(10);
    expect(s.has("k39")).toBe(false);
    expect(s.has("k40")).toBe(true);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(21);
    const reopened = await SeenStore.open(path, 10);
    expect([...Array(10).keys()].every((i) => reopened.has(`k${40 + i}`))).toBe(true);
  });
});
