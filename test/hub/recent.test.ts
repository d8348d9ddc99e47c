import { expect, test } from "bun:test";
import { RecentMessages, stringBytes } from "../../src/hub/recent.ts";
import type { StoredMessage } from "../../src/journal/journal.ts";

const msg = (seq: number, feedId: string, bytes = 100): StoredMessage => {
  const frame = new Uint8Array(bytes);
  frame.fill(seq & 0xff);
  return { seq, feedId, priority: 3, expiresAt: 0, frame };
};
const seqs = (r: RecentMessages, feed: string, since = r.floor) => r.after(feed, since).map((m) => m.seq);

test("holds every message above its floor, per feed, in order", () => {
  const r = new RecentMessages(10_000);
  expect(r.floor).toBe(Number.POSITIVE_INFINITY);
  r.reset(10);
  for (let s = 11; s <= 30; s++) r.add(msg(s, s % 2 === 0 ? "even" : "odd"));
  expect(r.floor).toBe(10);
  expect(seqs(r, "even", 10)).toEqual([12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
  expect(seqs(r, "odd", 24)).toEqual([25, 27, 29]);
  expect(r.after("none", 10)).toEqual([]);
  const m = r.after("odd", 28)[0]!;
  expect([m.seq, m.feedId, m.priority, m.expiresAt, m.frame.length, m.frame[0]]).toEqual([
    29,
    "odd",
    3,
    0,
    100,
    29,
  ]);
});

test("evicts oldest first within the byte budget and raises the floor; everything above it stays", () => {
  const budget = 5_000;
  const r = new RecentMessages(budget);
  r.reset(0);
  for (let s = 1; s <= 200; s++) {
    r.add(msg(s, s % 3 === 0 ? "a" : "b"));
    expect(r.bytes).toBeLessThanOrEqual(budget);
  }
  expect(r.floor).toBeGreaterThan(100);
  const held = [...seqs(r, "a"), ...seqs(r, "b")].sort((x, y) => x - y);
  expect(held).toEqual(Array.from({ length: 200 - r.floor }, (_, k) => r.floor + 1 + k));
  // About budget / (frame + slot) fit; chunking rounds, but not by much.
  expect(held.length).toBeGreaterThan(budget / (100 + 48) / 2);
});

test("a zero budget caches nothing and keeps the floor at the newest seq", () => {
  const r = new RecentMessages(0);
  r.reset(0);
  r.add(msg(1, "a"));
  r.add(msg(2, "a"));
  expect(r.floor).toBe(2);
  expect(r.after("a", 2)).toEqual([]);
  expect(r.bytes).toBe(0);
});

test("long runs keep their order", () => {
  const r = new RecentMessages(1_000_000);
  r.reset(0);
  for (let s = 1; s <= 50_000; s++) r.add(msg(s, "f"));
  expect(r.floor).toBeGreaterThan(40_000);
  expect(seqs(r, "f", 49_990)).toEqual([
    49_991, 49_992, 49_993, 49_994, 49_995, 49_996, 49_997, 49_998, 49_999, 50_000,
  ]);
  expect(r.after("f", 49_995).map((m) => m.frame[0])).toEqual(
    [49_996, 49_997, 49_998, 49_999, 50_000].map((s) => s & 0xff),
  );
});

test("the JSON text built for a cached message counts against the budget (it is often as big as the frame)", () => {
  const budget = 40_000;
  const plain = new RecentMessages(budget);
  const withText = new RecentMessages(budget);
  plain.reset(0);
  withText.reset(0);
  const text = "x".repeat(1000);
  for (let s = 1; s <= 100; s++) {
    const m = msg(s, "f", 1000);
    plain.add(m);
    const slot = withText.add(m);
    expect(withText.json(slot, m.frame, () => text)).toBe(text);
    // Built once: the second call returns the cached text without building.
    expect(withText.json(slot, m.frame, () => "rebuilt")).toBe(text);
    expect(withText.bytes).toBeLessThanOrEqual(budget);
  }
  // Each entry holds 1000 frame bytes and 1000 text bytes: about half as many fit.
  const a = plain.after("f", plain.floor).length;
  const b = withText.after("f", withText.floor).length;
  expect(b).toBeLessThan(a * 0.7);
  expect(b).toBeGreaterThan(a * 0.3);
});

test("text outside Latin-1 counts two bytes a character; text for an evicted entry is not charged", () => {
  expect(stringBytes("abc")).toBe(3);
  expect(stringBytes("a€")).toBe(4);
  const r = new RecentMessages(1000);
  r.reset(0);
  const m1 = msg(1, "f");
  const first = r.add(m1);
  for (let s = 2; s <= 40; s++) r.add(msg(s, "f"));
  expect(r.has(first)).toBe(false);
  const before = r.bytes;
  expect(r.json(first, m1.frame, () => "y".repeat(500))).toBe("y".repeat(500));
  expect(r.bytes).toBe(before);
});

test("frames are copied in: the cache neither keeps a larger buffer alive nor sees later writes to it", () => {
  const r = new RecentMessages(1_000_000);
  r.reset(0);
  const big = new Uint8Array(64 * 1024).fill(7);
  r.add({ ...msg(1, "f"), frame: big.subarray(0, 100) });
  big.fill(9);
  const cached = r.after("f", 0)[0]!.frame;
  expect(cached.buffer).not.toBe(big.buffer);
  expect(cached.every((b) => b === 7)).toBe(true);
});

test("evicted chunks are let go", () => {
  const r = new RecentMessages(20_000);
  r.reset(0);
  const refs: WeakRef<ArrayBufferLike>[] = [];
  for (let s = 1; s <= 3000; s++) {
    r.add(msg(s, s % 2 === 0 ? "a" : "b", 300));
    if (s % 50 === 0) refs.push(new WeakRef(r.after(s % 2 === 0 ? "a" : "b", s - 1)[0]!.frame.buffer));
  }
  Bun.gc(true);
  const alive = refs.filter((w) => w.deref() !== undefined).length;
  // The held chunks (20 KB of 1250-byte chunks), and a few the conservative stack scan may still see.
  expect(alive).toBeLessThanOrEqual(24);
  expect(r.bytes).toBeLessThanOrEqual(20_000);
});

test("texts charged during a walk evict only what it passed; a walk overtaken anyway says so", () => {
  const r = new RecentMessages(4_000);
  r.reset(0);
  for (let s = 1; s <= 20; s++) r.add(msg(s, "f"));
  const w = r.walk("f", r.floor);
  const got: number[] = [];
  for (let i = w.next(); i >= 0; i = w.next()) {
    got.push(r.seqAt(i));
    // Each text is bigger than the room left: the oldest messages go, the one walked last among them.
    r.jsonAt(i, () => "z".repeat(2500));
  }
  expect([w.lost, got]).toEqual([false, Array.from({ length: 20 }, (_, k) => k + 1)]);
  // Fan-out never runs inside a replay's synchronous walk; if messages were added under it anyway and
  // pushed out what it had not reached, it stops and says so rather than skip them.
  const w2 = r.walk("f", r.floor);
  expect(w2.next()).toBeGreaterThanOrEqual(0);
  for (let s = 21; s <= 100; s++) r.add(msg(s, "f"));
  expect([w2.next(), w2.lost]).toEqual([-1, true]);
});

test("random operations keep exactly the messages above the floor, within the budget (model check)", () => {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (const budget of [3_000, 20_000, 200_000]) {
    const r = new RecentMessages(budget);
    r.reset(0);
    const all: StoredMessage[] = [];
    const slots = new Map<number, number>();
    for (let s = 1; s <= 4000; s++) {
      const feed = `f${Math.floor(rand() * rand() * 12)}`;
      const size = rand() < 0.02 ? Math.floor(rand() * budget) : 1 + Math.floor(rand() * 400);
      const m = { ...msg(s, feed, size), priority: s % 8, expiresAt: s % 5 === 0 ? s * 1000 : 0 };
      all.push(m);
      slots.set(s, r.add(m));
      if (rand() < 0.3) {
        const pick = 1 + Math.floor(rand() * s);
        const slot = slots.get(pick)!;
        r.json(slot, all[pick - 1]!.frame, () => `t${"é".repeat(Math.floor(rand() * 200))}`);
      }
      expect(r.bytes).toBeLessThanOrEqual(budget);
      if (s % 97 === 0 || s === 4000) {
        const feeds = new Set(all.map((x) => x.feedId));
        for (const f of feeds) {
          const want = all.filter((x) => x.feedId === f && x.seq > r.floor);
          const got = r.after(f, r.floor);
          expect(got.map((x) => x.seq)).toEqual(want.map((x) => x.seq));
          for (let k = 0; k < got.length; k++) {
            expect([got[k]!.priority, got[k]!.expiresAt, got[k]!.frame.length]).toEqual([
              want[k]!.priority,
              want[k]!.expiresAt,
              want[k]!.frame.length,
            ]);
            expect(got[k]!.frame[0]).toBe(want[k]!.frame[0]);
          }
        }
      }
    }
  }
});
