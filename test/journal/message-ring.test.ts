import { expect, test } from "bun:test";
import { MessageRing, SLOT_BYTES } from "../../src/journal/message-ring.ts";

const frame = (n: number, fill: number) => new Uint8Array(n).fill(fill);

test("slots count up, hold every field, and survive the columns growing", () => {
  const r = new MessageRing(1 << 20);
  for (let s = 1; s <= 1000; s++) {
    const i = r.push({
      seq: s * 2,
      feedId: `f${s % 3}`,
      priority: s % 8,
      expiresAt: s * 10,
      frame: frame(s % 50, s & 0xff),
    });
    expect(i).toBe(s - 1);
  }
  r.trim();
  expect([r.first, r.end, r.size]).toEqual([0, 1000, 1000]);
  for (const i of [0, 63, 64, 500, 999]) {
    const s = i + 1;
    expect(r.message(i)).toEqual({
      seq: s * 2,
      feedId: `f${s % 3}`,
      priority: s % 8,
      expiresAt: s * 10,
      frame: frame(s % 50, s & 0xff),
    });
  }
});

test("bytes are the chunks held, a slot each and the texts; clear gives everything back", () => {
  const r = new MessageRing(16 * 1024);
  const chunk = 1024; // budget / 16
  for (let s = 1; s <= 10; s++)
    r.push({ seq: s, feedId: "a", priority: 0, expiresAt: 0, frame: frame(100, 1) });
  expect(r.bytes).toBe(chunk + 10 * SLOT_BYTES);
  r.setText(3, "hello", 5);
  expect(r.bytes).toBe(chunk + 10 * SLOT_BYTES + 5);
  expect(r.textAt(3)).toBe("hello");
  // A frame over half a chunk gets a buffer of its own, its exact size.
  r.push({ seq: 11, feedId: "a", priority: 0, expiresAt: 0, frame: frame(600, 2) });
  expect(r.bytes).toBe(chunk + 600 + 11 * SLOT_BYTES + 5);
  expect(r.frameAt(10)).toEqual(frame(600, 2));
  r.clear();
  expect([r.bytes, r.size, r.textAt(3)]).toEqual([0, 0, undefined]);
  // Slot numbers go on from where they were: an old one never names a new message.
  expect(r.push({ seq: 12, feedId: "a", priority: 0, expiresAt: 0, frame: frame(1, 1) })).toBe(11);
  expect(r.has(3)).toBe(false);
});

test("eviction is oldest first, tells the caller, and frees a feed's number with its last message", () => {
  const r = new MessageRing(4096);
  const evicted: Array<[number, number]> = [];
  r.onEvict = (i, no) => evicted.push([r.seqAt(i), no]);
  r.push({ seq: 1, feedId: "x", priority: 0, expiresAt: 0, frame: frame(10, 1) });
  const x = r.feedNumber("x")!;
  r.push({ seq: 2, feedId: "y", priority: 0, expiresAt: 0, frame: frame(10, 1) });
  r.evictOldest();
  expect(evicted).toEqual([[1, x]]);
  expect(r.feedNumber("x")).toBeUndefined();
  expect(r.feedAt(1)).toBe("y");
  r.push({ seq: 3, feedId: "z", priority: 0, expiresAt: 0, frame: frame(10, 1) });
  expect(r.feedNoAt(2)).toBe(x);
  expect(r.feedAt(2)).toBe("z");
});

test("views handed out stay valid after their messages are evicted; damaged and empty frames are kept", () => {
  const r = new MessageRing(2048);
  r.push({ seq: 1, feedId: "a", priority: 0, expiresAt: 0, frame: frame(0, 0), damaged: "checksum" });
  const i = r.push({ seq: 2, feedId: "a", priority: 0, expiresAt: 0, frame: frame(40, 9) });
  const view = r.frameAt(i);
  expect(r.message(0).damaged).toBe("checksum");
  expect(r.frameAt(0).length).toBe(0);
  for (let s = 3; s <= 500; s++) {
    r.push({ seq: s, feedId: "a", priority: 0, expiresAt: 0, frame: frame(40, s & 0xff) });
    r.trim();
    expect(r.bytes).toBeLessThanOrEqual(2048);
  }
  expect(r.has(i)).toBe(false);
  expect(r.damagedAt(0)).toBeUndefined();
  expect(view).toEqual(frame(40, 9));
});
