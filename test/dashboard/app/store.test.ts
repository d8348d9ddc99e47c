import { describe, expect, test } from "bun:test";
import { LEVELS, matches, ThreatStore, toRow } from "../../../src/dashboard/app/store.ts";
import type { StreamMessage } from "../../../src/protocol/message.ts";

const msg = (
  seq: number,
  feedId = "threats",
  payload: unknown = threatPayload("high", seq),
): StreamMessage => ({
  id: `id${seq}`,
  seq,
  timestamp: 1000 + seq,
  feedId,
  type: "data",
  priority: "medium",
  payload,
  checksum: "0",
});
function threatPayload(threatLevel: string, i: number) {
  return {
    threatLevel,
    source: "src",
    title: `t${i}`,
    description: "",
    indicators: [],
    confidence: 0.5,
    ttl: 60,
  };
}
const all = { levels: new Set(LEVELS), feed: "" };

describe("rows", () => {
  test("a threat row reads level, title, source, confidence; other payloads fall back to priority", () => {
    expect(toRow(msg(1), 5)).toMatchObject({
      key: "threats:1",
      level: "high",
      title: "t1",
      source: "src",
      confidence: 0.5,
    });
    const other = toRow(msg(2, "x", { big: "y".repeat(500) }), 5);
    expect(other).toMatchObject({ level: "medium", source: "", confidence: undefined });
    expect(other.title.length).toBeLessThanOrEqual(130);
    expect(other.title.startsWith("data: {")).toBe(true);
  });

  test("filters by level set and feed", () => {
    const r = toRow(msg(1, "intel"), 0);
    expect(matches(r, all)).toBe(true);
    expect(matches(r, { levels: new Set(["critical"] as const), feed: "" })).toBe(false);
    expect(matches(r, { levels: all.levels, feed: "threats" })).toBe(false);
    expect(matches(r, { levels: all.levels, feed: "intel" })).toBe(true);
  });
});

describe("ThreatStore", () => {
  test("view is newest first, filtered, limited; lookups by key", () => {
    const s = new ThreatStore(100);
    for (let i = 1; i <= 10; i++) s.add(toRow(msg(i, i % 2 ? "a" : "b"), 0));
    expect(s.view(all, 3).map((r) => r.message.seq)).toEqual([10, 9, 8]);
    expect(s.view({ levels: all.levels, feed: "a" }, 100).map((r) => r.message.seq)).toEqual([9, 7, 5, 3, 1]);
    expect(s.get("a:3")?.message.seq).toBe(3);
  });

  test("bounded: the oldest rows go, and their keys with them", () => {
    const s = new ThreatStore(100);
    for (let i = 1; i <= 1000; i++) s.add(toRow(msg(i), 0));
    expect(s.size).toBeLessThanOrEqual(125);
    expect(s.size).toBeGreaterThanOrEqual(100);
    expect(s.get("threats:1")).toBeUndefined();
    expect(s.get("threats:1000")).toBeDefined();
    expect(s.view(all, 1)[0]?.message.seq).toBe(1000);
  });
});
