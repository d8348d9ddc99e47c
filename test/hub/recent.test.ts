import { expect, test } from "bun:test";
import { RecentMessages } from "../../src/hub/recent.ts";
import type { StoredMessage } from "../../src/journal/journal.ts";

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
