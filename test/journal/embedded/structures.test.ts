import { describe, expect, test } from "bun:test";
import { DedupWindow } from "../../../src/journal/dedup.ts";
import { FeedIndex } from "../../../src/journal/embedded/feed-index.ts";
import { FrameCache } from "../../../src/journal/embedded/frame-cache.ts";
import { uuidFromString, uuidv7Bytes } from "../../../src/protocol/uuid.ts";

describe("DedupWindow", () => {
  const id = (s: string) => uuidFromString(`00000000-0000-7000-8000-${s.padStart(12, "0")}`);
  const add = (w: DedupWindow, s: string, seq: number, at: number) => w.add(id(s), 0, w.tag("f"), seq, at);
  const get = (w: DedupWindow, s: string) => w.get(id(s), 0, w.tag("f"));

  test("forgets ids older than the window", () => {
    const w = new DedupWindow(1000, 10);
    add(w, "a", 1, 0);
    add(w, "b", 2, 500);
    w.expire(1000);
    expect(get(w, "a")).toBeUndefined();
    expect(get(w, "b")).toBe(2);
    expect(w.size).toBe(1);
  });

  test("an id stored again after it expired keeps its newer seq when the old entry goes", () => {
    const w = new DedupWindow(1000, 2);
    add(w, "a", 1, 0);
    add(w, "b", 2, 0);
    add(w, "a", 3, 10);
    expect(get(w, "a")).toBe(3);
    expect(get(w, "b")).toBe(2);
  });

  test("a zero window remembers nothing", () => {
    const w = new DedupWindow(0, 10);
    add(w, "a", 1, 0);
    expect(get(w, "a")).toBeUndefined();
  });

  test("reads the id at an offset, and ids differing in one byte are different", () => {
    const w = new DedupWindow(1000, 10);
    const buf = new Uint8Array(40);
    buf.set(uuidv7Bytes(), 24);
    const f = w.tag("f");
    w.add(buf, 24, f, 7, 0);
    expect(w.get(buf.slice(24), 0, f)).toBe(7);
    expect(w.get(buf, 24, w.tag("g"))).toBeUndefined();
    for (let i = 24; i < 40; i++) {
      const other = buf.slice();
      other[i]! ^= 1;
      expect(w.get(other, 24, f)).toBeUndefined();
    }
  });

  test("agrees with a Map through growth, eviction by count and expiry (100,000 random operations)", () => {
    const max = 3000;
    const w = new DedupWindow(50_000, max);
    const model = new Map<string, number>();
    const order: { key: string; seq: number; at: number }[] = [];
    const pool = Array.from({ length: 6000 }, () => uuidv7Bytes());
    // The same ids in three feeds: each (feed, id) is its own key.
    const feeds = ["a", "b", "c"];
    const hex = (b: Uint8Array, f: string) => `${f}/${Buffer.from(b).toString("hex")}`;
    let seq = 0;
    for (let t = 0; t < 100_000; t++) {
      const b = pool[Math.floor(Math.random() * pool.length)]!;
      const feed = feeds[t % 3]!;
      const key = hex(b, feed);
      const tag = w.tag(feed);
      // The journal's rule: an id in the window is answered, not stored again.
      const seen = w.get(b, 0, tag);
      expect(seen).toBe(model.get(key));
      if (seen !== undefined) continue;
      if (order.length === max) {
        const old = order.shift()!;
        if (model.get(old.key) === old.seq) model.delete(old.key);
      }
      w.add(b, 0, tag, ++seq, t);
      model.set(key, seq);
      order.push({ key, seq, at: t });
      if (t % 97 === 0) {
        w.expire(t);
        while (order.length > 0 && order[0]!.at <= t - 50_000) {
          const old = order.shift()!;
          if (model.get(old.key) === old.seq) model.delete(old.key);
        }
      }
      expect(w.size).toBe(order.length);
    }
    for (const b of pool) for (const f of feeds) expect(w.get(b, 0, w.tag(f))).toBe(model.get(hex(b, f)));
  });

  test("keepFirst: an id already in the window keeps its first seq (JetStream: ack and tail, racing nodes)", () => {
    const w = new DedupWindow(1_000, 3);
    w.add(id("a"), 0, w.tag("f"), 7, 0, true);
    w.add(id("a"), 0, w.tag("f"), 9, 10, true);
    expect([get(w, "a"), w.size]).toEqual([7, 1]);
    // Another feed's same id is another key.
    w.add(id("a"), 0, w.tag("g"), 11, 10, true);
    expect(w.get(id("a"), 0, w.tag("g"))).toBe(11);
    // Once expired it is news again.
    w.expire(1_005);
    expect(get(w, "a")).toBeUndefined();
    w.add(id("a"), 0, w.tag("f"), 12, 1_006, true);
    expect(get(w, "a")).toBe(12);
    // Full: the oldest goes to make room, and the probe run it leaves still finds the rest.
    for (const [k, s] of ["b", "c", "d", "e"].entries()) w.add(id(s), 0, w.tag("f"), 20 + k, 1_010, true);
    expect(w.size).toBe(3);
    expect(["c", "d", "e"].map((s) => get(w, s))).toEqual([21, 22, 23]);
    w.clear();
    expect([w.size, get(w, "e")]).toEqual([0, undefined]);
    add(w, "e", 5, 2_000);
    expect(get(w, "e")).toBe(5);
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
  const frame = (n: number, fill = n) => new Uint8Array(n).fill(fill);

  test("serves recent frames (copies, same bytes) and evicts the oldest beyond its byte limit", () => {
    const c = new FrameCache(2000);
    for (let s = 1; s <= 40; s++) {
      c.put(s, frame(100, s));
      expect(c.byteSize).toBeLessThanOrEqual(2000);
    }
    expect(c.get(1)).toBeUndefined();
    expect(c.get(41)).toBeUndefined();
    const held = Array.from({ length: 40 }, (_, k) => k + 1).filter((s) => c.get(s) !== undefined);
    // A contiguous run ending at the newest, of about limit / (frame + slot) frames.
    expect(held.at(-1)).toBe(40);
    expect(held).toEqual(Array.from({ length: held.length }, (_, k) => 41 - held.length + k));
    expect(held.length).toBeGreaterThanOrEqual(6);
    for (const s of held) expect(c.get(s)).toEqual(frame(100, s));
    c.dropBefore(38);
    expect(c.get(37)).toBeUndefined();
    expect(c.get(38)).toEqual(frame(100, 38));
  });

  test("a gap in seqs restarts the cache rather than misplacing frames", () => {
    const c = new FrameCache(10_000);
    c.put(1, frame(1));
    c.put(5, frame(2));
    expect(c.get(1)).toBeUndefined();
    expect(c.get(5)).toEqual(frame(2));
  });

  test("a zero limit disables it", () => {
    const c = new FrameCache(0);
    c.put(1, frame(1));
    expect(c.get(1)).toBeUndefined();
    expect(c.byteSize).toBe(0);
  });
});
