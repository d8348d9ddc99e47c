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

describe("history, search and counts", () => {
  test("rows that arrive out of order take their place; a row held already is not added twice", () => {
    const s = new ThreatStore(100);
    for (const seq of [5, 9, 2, 7]) expect(s.add(toRow(msg(seq), 0))).toBe(true);
    expect(s.add(toRow(msg(7), 0))).toBe(false);
    expect(s.view(all, 10).map((r) => r.message.seq)).toEqual([9, 7, 5, 2]);
    expect(s.newestSeq).toBe(9);
  });

  test("text and indicator filters; severity counts per feed and overall follow what is held", () => {
    const s = new ThreatStore(4);
    const p = (lvl: string, i: number, indicators: string[], extra = {}) => ({
      ...threatPayload(lvl, i),
      indicators,
      ...extra,
    });
    s.add(toRow(msg(1, "a", p("critical", 1, ["ipv4:10.0.0.1"], { description: "Ransomware note" })), 0));
    s.add(toRow(msg(2, "b", p("high", 2, ["cve:CVE-2024-1"])), 0));
    s.add(toRow(msg(3, "a", p("high", 3, ["ipv4:10.0.0.1", "cve:CVE-2024-1"])), 0));
    expect(s.view({ ...all, text: "ransomware" }, 10).map((r) => r.message.seq)).toEqual([1]);
    expect(s.view({ ...all, text: "cve-2024-1 t3" }, 10).map((r) => r.message.seq)).toEqual([3]);
    expect(s.view({ ...all, indicator: "ipv4:10.0.0.1" }, 10).map((r) => r.message.seq)).toEqual([3, 1]);
    expect(s.counts()).toMatchObject({ critical: 1, high: 2 });
    expect(s.counts("a")).toMatchObject({ critical: 1, high: 1 });
    // Trimmed rows leave the counts.
    for (let i = 4; i <= 8; i++) s.add(toRow(msg(i, "b", p("low", i, [])), 0));
    expect(s.counts().critical).toBe(0);
    expect(s.counts().low + s.counts().high).toBe(s.size);
  });

  test("a polled item's link (http(s) only) and publication date", () => {
    const r = toRow(
      msg(1, "kev", { ...threatPayload("high", 1), link: "https://x.test/a", published: 1700000000000 }),
      0,
    );
    expect(r.link).toBe("https://x.test/a");
    expect(r.published).toBe(1700000000000);
    expect(
      toRow(msg(2, "kev", { ...threatPayload("high", 1), link: "javascript:alert(1)" }), 0).link,
    ).toBeUndefined();
  });
});
