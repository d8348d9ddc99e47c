import { expect, test } from "bun:test";
import { RecentMessages, stringBytes } from "../../src/hub/recent.ts";
import { framePackedBuffers, type StoredMessage } from "../../src/journal/journal.ts";

const msg = (seq: number, feedId: string, bytes = 100): StoredMessage => ({
  seq,
  feedId,
  priority: 3,
  expiresAt: 0,
  frame: new Uint8Array(bytes),
});

test("holds every message above its floor, per feed, in order", () => {
  const r = new RecentMessages(10_000);
  expect(r.floor).toBe(Number.POSITIVE_INFINITY);
  r.reset(10);
  for (let s = 11; s <= 30; s++) r.add(msg(s, s % 2 === 0 ? "even" : "odd"));
  expect(r.floor).toBe(10);
  expect(r.after("even", 10).map((e) => e.m.seq)).toEqual([12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
  expect(r.after("odd", 24).map((e) => e.m.seq)).toEqual([25, 27, 29]);
  expect(r.after("none", 10)).toEqual([]);
});

test("evicts oldest first within the byte budget (frames plus per-entry overhead) and raises the floor", () => {
  const r = new RecentMessages(10 * (100 + 192));
  r.reset(0);
  for (let s = 1; s <= 25; s++) r.add(msg(s, s % 3 === 0 ? "a" : "b"));
  expect(r.bytes).toBeLessThanOrEqual(10 * (100 + 192));
  expect(r.floor).toBe(15);
  expect(r.after("a", r.floor).map((e) => e.m.seq)).toEqual([18, 21, 24]);
  expect(r.after("b", r.floor).map((e) => e.m.seq)).toEqual([16, 17, 19, 20, 22, 23, 25]);
});

test("a zero budget caches nothing and keeps the floor at the newest seq", () => {
  const r = new RecentMessages(0);
  r.reset(0);
  r.add(msg(1, "a"));
  r.add(msg(2, "a"));
  expect(r.floor).toBe(2);
  expect(r.after("a", 2)).toEqual([]);
});

test("long runs compact without losing order", () => {
  const r = new RecentMessages((100 + 192) * 5_000);
  r.reset(0);
  for (let s = 1; s <= 50_000; s++) r.add(msg(s, "f"));
  expect(r.floor).toBe(45_000);
  const after = r.after("f", 49_990).map((e) => e.m.seq);
  expect(after).toEqual([49_991, 49_992, 49_993, 49_994, 49_995, 49_996, 49_997, 49_998, 49_999, 50_000]);
});

test("the JSON text built for a cached message counts against the budget (it is often as big as the frame)", () => {
  const budget = 20 * (1000 + 192);
  const r = new RecentMessages(budget);
  r.reset(0);
  const text = "x".repeat(1000);
  for (let s = 1; s <= 100; s++) {
    const e = r.add(msg(s, "f", 1000));
    expect(r.json(e, () => text)).toBe(text);
    expect(r.bytes).toBeLessThanOrEqual(budget);
  }
  // Each entry holds 1000 frame bytes, 1000 text bytes and the overhead: about 10 fit, not 20.
  expect(r.after("f", r.floor).length).toBe(Math.floor(budget / (2000 + 192)));
  expect(r.bytes).toBe(r.after("f", r.floor).length * (2000 + 192));
});

test("text outside Latin-1 counts two bytes a character; text for an evicted entry is not charged", () => {
  expect(stringBytes("abc")).toBe(3);
  expect(stringBytes("a€")).toBe(4);
  const r = new RecentMessages(2 * (100 + 192));
  r.reset(0);
  const first = r.add(msg(1, "f"));
  r.add(msg(2, "f"));
  r.add(msg(3, "f"));
  const before = r.bytes;
  r.json(first, () => "y".repeat(500));
  expect(r.bytes).toBe(before);
});

test("a frame viewing a larger buffer is copied, so the cache holds only what it counts", () => {
  const r = new RecentMessages(1_000_000);
  r.reset(0);
  const big = new Uint8Array(64 * 1024);
  const e = r.add({ ...msg(1, "f"), frame: big.subarray(0, 100) });
  expect(e.m.frame.buffer.byteLength).toBe(100);
  expect(r.bytes).toBe(100 + 192);
});

test("frames of a packed buffer (an ingest batch) are kept as views and the buffer is charged once", () => {
  const r = new RecentMessages(1_000_000);
  r.reset(0);
  const ab = new ArrayBuffer(10 * 100);
  framePackedBuffers.add(ab);
  const entries = Array.from({ length: 10 }, (_, k) =>
    r.add({ ...msg(k + 1, "f"), frame: new Uint8Array(ab, k * 100, 100) }),
  );
  for (const e of entries) expect(e.m.frame.buffer).toBe(ab);
  expect(r.bytes).toBe(1000 + 10 * 192);
  // The same kind of view of a buffer nobody declared packed is still copied.
  const other = new ArrayBuffer(1000);
  const e = r.add({ ...msg(11, "f"), frame: new Uint8Array(other, 0, 100) });
  expect(e.m.frame.buffer).not.toBe(other);
  expect(r.bytes).toBe(1000 + 10 * 192 + 100 + 192);
});

test("a budget full of packed buffers stays within one buffer of its limit", () => {
  const budget = 50_000;
  const r = new RecentMessages(budget);
  r.reset(0);
  let seq = 0;
  for (let b = 0; b < 40; b++) {
    const ab = new ArrayBuffer(100 * 40);
    framePackedBuffers.add(ab);
    for (let k = 0; k < 40; k++) r.add({ ...msg(++seq, "f"), frame: new Uint8Array(ab, k * 100, 100) });
    expect(r.bytes).toBeLessThanOrEqual(budget);
  }
  const held = new Set(r.after("f", r.floor).map((e) => e.m.frame.buffer));
  expect(held.size * 4000).toBeLessThanOrEqual(budget + 4000);
});

test("evicted entries are let go at once, not when the queue is next compacted (issue #18, item 5)", () => {
  // Until its slot was cleared, an evicted entry stayed reachable until the next compaction: up to as
  // many dead entries as live ones (over a thousand here), so the cache held twice its budget.
  const r = new RecentMessages(10 * (1000 + 192));
  r.reset(0);
  const refs: WeakRef<Uint8Array>[] = [];
  const fill = () => {
    for (let s = 1; s <= 3000; s++) {
      const m = msg(s, s % 2 === 0 ? "a" : "b", 1000);
      refs.push(new WeakRef(m.frame));
      r.add(m);
    }
  };
  fill();
  Bun.gc(true);
  const alive = refs.filter((w) => w.deref() !== undefined).length;
  expect(r.after("a", r.floor).length + r.after("b", r.floor).length).toBe(10);
  // The 10 cached, and a few the conservative stack scan may still see.
  expect(alive).toBeLessThanOrEqual(40);
});
