import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DlqStore } from "../../../src/ingest/dlq/store.ts";
import { removeTempDirs, tempDir } from "../feeds/node.ts";

afterAll(removeTempDirs);

const bytes = (s: string) => new TextEncoder().encode(s);
const add = (feedId: string, raw: string) => ({
  feedId,
  format: "rss" as const,
  reason: "bad",
  code: "VALIDATION",
  raw: bytes(raw),
});

describe("DLQ store", () => {
  test("keeps reason and raw bytes across a reopen; the same bytes again count up one entry", async () => {
    let now = 1_000;
    const dir = tempDir();
    const a = await DlqStore.open(dir, { now: () => now });
    const e = await a.add({ ...add("f", "<rss>broken"), path: "channel", contentType: "text/xml" });
    now = 2_000;
    const again = await a.add({ ...add("f", "<rss>broken"), reason: "still bad" });
    expect(again.id).toBe(e.id);
    expect(again.count).toBe(2);
    expect(again.reason).toBe("still bad");
    expect(again.firstAt).toBe(1_000);
    expect(again.lastAt).toBe(2_000);
    await a.add(add("g", "<rss>broken")); // another feed: its own entry
    appendFileSync(join(dir, "index.jsonl"), '{"op":"put","ent');
    const b = await DlqStore.open(dir);
    expect(b.size).toBe(2);
    expect(b.get(e.id)?.count).toBe(2);
    expect(b.get(e.id)?.contentType).toBe("text/xml");
    expect(new TextDecoder().decode(await b.raw(e.id))).toBe("<rss>broken");
  });

  test("raw input is capped and marked truncated", async () => {
    const s = await DlqStore.open(tempDir(), { maxRawBytes: 4 });
    const e = await s.add(add("f", "0123456789"));
    expect(e.truncated).toBe(true);
    expect(e.rawBytes).toBe(10);
    expect(new TextDecoder().decode(await s.raw(e.id))).toBe("0123");
  });

  test("bounded: the oldest entries and their files go; remove deletes", async () => {
    const dir = tempDir();
    const s = await DlqStore.open(dir, { maxEntries: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await s.add(add("f", `doc ${i}`))).id);
    expect(s.size).toBe(3);
    expect(s.get(ids[0]!)).toBeUndefined();
    expect(existsSync(join(dir, `${ids[0]}.raw`))).toBe(false);
    expect(await s.remove(ids[4]!)).toBe(true);
    expect(await s.remove(ids[4]!)).toBe(false);
    await s.flush();
    const reopened = await DlqStore.open(dir, { maxEntries: 3 });
    expect(reopened.size).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith(".raw")).length).toBe(2);
  });

  test("pages oldest first, filtered, and a cursor survives its entry's removal", async () => {
    const s = await DlqStore.open(tempDir());
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await s.add(add(i % 2 === 0 ? "even" : "odd", `d${i}`))).id);
      await new Promise((r) => setTimeout(r, 2)); // distinct milliseconds: UUIDv7 ids sort by time
    }
    const p1 = s.list({ limit: 3 });
    expect(p1.entries.map((e) => e.id)).toEqual(ids.slice(0, 3));
    expect(p1.next).toBe(ids[2]);
    const p2 = s.list({ limit: 3, after: p1.next! });
    expect(p2.entries.map((e) => e.id)).toEqual(ids.slice(3, 6));
    const p3 = s.list({ limit: 3, after: p2.next! });
    expect(p3.entries.map((e) => e.id)).toEqual([ids[6]!]);
    expect(p3.next).toBeUndefined();
    const even = s.list({ limit: 10, visible: (e) => e.feedId === "even" });
    expect(even.entries.length).toBe(4);
    await s.remove(ids[2]!);
    expect(s.list({ limit: 2, after: ids[2]! }).entries.map((e) => e.id)).toEqual(ids.slice(3, 5));
  });
});
