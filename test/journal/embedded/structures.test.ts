import { describe, expect, test } from "bun:test";
import { DedupWindow, uuidKey } from "../../../src/journal/embedded/dedup.ts";
import { FeedIndex } from "../../../src/journal/embedded/feed-index.ts";
import { FrameCache } from "../../../src/journal/embedded/frame-cache.ts";
import { uuidToString, uuidv7Bytes } from "../../../src/protocol/uuid.ts";

describe("DedupWindow", () => {
  test("forgets ids older than the window", () => {
    const w = new DedupWindow(1000, 10);
    w.add("a", 1, 0);
    w.add("b", 2, 500);
    w.expire(1000);
    expect(w.get("a")).toBeUndefined();
    expect(w.get("b")).toBe(2);
    expect(w.size).toBe(1);
  });

  test("an id stored again after it expired keeps its newer seq when the old entry goes", () => {
    const w = new DedupWindow(1000, 2);
    w.add("a", 1, 0);
    w.add("b", 2, 0);
    w.add("a", 3, 10);
    expect(w.get("a")).toBe(3);
    expect(w.get("b")).toBe(2);
  });

  test("a zero window remembers nothing", () => {
    const w = new DedupWindow(0, 10);
    w.add("a", 1, 0);
    expect(w.get("a")).toBeUndefined();
  });
});

describe("FeedIndex", () => {
  test("grows, searches, drops a prefix and compacts", () => {
    const ix = new FeedIndex();
    for (let s = 1; s <= 100; s++) ix.push(s * 2, s, 10, s % 4, 0);
    expect(ix.size).toBe(100);
    expect(ix.head()).toBe(200);
    expect(ix.seqs[ix.upperBound(51)]).toBe(52);
    expect(ix.seqs[ix.upperBound(52)]).toBe(54);
    expect(ix.upperBound(200)).toBe(ix.end);
    ix.dropBefore(151);
    expect(ix.size).toBe(25);
    expect(ix.seqs[ix.start]).toBe(152);
    for (let s = 101; s <= 130; s++) ix.push(s * 2, s, 10, 0, 0);
    expect(ix.size).toBe(55);
    expect(ix.seqs[ix.start]).toBe(152);
    expect(ix.offsets[ix.upperBound(201)]).toBe(101);
    ix.dropBefore(10_000);
    expect([ix.size, ix.head()]).toEqual([0, 0]);
  });
});

describe("FrameCache", () => {
  const frame = (n: number) => new Uint8Array(n);

  test("serves recent frames and evicts the oldest beyond its byte limit", () => {
    const c = new FrameCache(1000);
    for (let s = 1; s <= 10; s++) c.put(s, frame(100));
    // 196 bytes an entry with overhead: five fit.
    expect(c.get(5)).toBeUndefined();
    expect(c.get(6)).toBeDefined();
    expect(c.get(10)).toBeDefined();
    expect(c.get(11)).toBeUndefined();
    c.dropBefore(8);
    expect(c.get(7)).toBeUndefined();
    expect(c.get(8)).toBeDefined();
  });

  test("a gap in seqs restarts the cache rather than misplacing frames", () => {
    const c = new FrameCache(10_000);
    const a = frame(1);
    const b = frame(2);
    c.put(1, a);
    c.put(5, b);
    expect(c.get(1)).toBeUndefined();
    expect(c.get(5)).toBe(b);
  });

  test("a zero limit disables it", () => {
    const c = new FrameCache(0);
    c.put(1, frame(1));
    expect(c.get(1)).toBeUndefined();
  });
});

describe("uuidKey", () => {
  test("matches the canonical lower-case UUID string", () => {
    for (let i = 0; i < 100; i++) {
      const id = uuidv7Bytes();
      const buf = new Uint8Array(40);
      buf.set(id, 24);
      expect(uuidKey(buf, 24)).toBe(uuidToString(id));
    }
  });
});
