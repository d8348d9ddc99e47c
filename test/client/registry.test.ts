import { describe, expect, test } from "bun:test";
import { type HandlerEntry, Registry } from "../../src/client/registry.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";

const msg = (feedId: string, seq: number): StreamMessage => ({
  id: `id-${seq}`,
  seq,
  timestamp: 0,
  feedId,
  type: "data",
  priority: "high",
  payload: seq,
  checksum: "00000000",
});
const entry = (rank = 3): HandlerEntry => ({ fn: () => {}, rank });

/** Feeds messages through `admit` and returns the seqs delivered. */
const admitted = (r: Registry, feedId: string, seqs: number[]) => seqs.filter((s) => r.admit(msg(feedId, s)));

describe("subscription registry", () => {
  test("a fresh subscribe starts after the head; held messages are released by the reply", () => {
    const r = new Registry();
    expect(r.add("a", entry())).toBe(true);
    const [op] = r.subscribeOps();
    expect(op).toEqual({ op: "subscribe", id: 1, feeds: ["a"], minPriority: "low" });
    // Live messages that overtake the reply are held, not delivered.
    expect(admitted(r, "a", [11, 12])).toEqual([]);
    const res = r.onReply(op!.id, { a: { epoch: "E", head: 10, recovered: false } });
    expect(res.deliver.map((m) => m.seq)).toEqual([11, 12]);
    expect(res.outcomes[0]?.gap).toBeUndefined();
    expect(admitted(r, "a", [12, 9, 13, 13, 14])).toEqual([13, 14]);
    expect(r.position("a")).toEqual({ seq: 14, epoch: "E" });
  });

  test("resume sends since + epoch; a recovered reply drops held messages (the replay resends them)", () => {
    const r = new Registry();
    r.add("a", entry());
    const [op1] = r.subscribeOps();
    r.onReply(op1!.id, { a: { epoch: "E", head: 0, recovered: false } });
    expect(admitted(r, "a", [3, 5])).toEqual([3, 5]);
    r.reset();
    const [op2] = r.subscribeOps();
    expect(op2).toMatchObject({ since: { a: 5 }, epoch: { a: "E" } });
    expect(admitted(r, "a", [6, 7])).toEqual([]);
    const res = r.onReply(op2!.id, { a: { epoch: "E", head: 9, recovered: true } });
    expect(res.deliver).toEqual([]);
    expect(admitted(r, "a", [6, 7, 8, 9])).toEqual([6, 7, 8, 9]);
  });

  test("a new epoch is a gap: positions reset to the new head, live messages flow", () => {
    const r = new Registry();
    r.add("a", entry(), { seq: 500, epoch: "old" });
    const [op] = r.subscribeOps();
    expect(op).toMatchObject({ since: { a: 500 }, epoch: { a: "old" } });
    expect(admitted(r, "a", [4])).toEqual([]);
    const res = r.onReply(op!.id, { a: { epoch: "new", head: 3, recovered: false, earliest: 1 } });
    expect(res.outcomes[0]?.gap).toEqual({
      feedId: "a",
      since: 500,
      earliest: 1,
      epoch: "new",
      previousEpoch: "old",
      reason: "epoch",
    });
    expect(res.deliver.map((m) => m.seq)).toEqual([4]);
    expect(admitted(r, "a", [2, 5])).toEqual([5]);
  });

  test("retention and beyond-head gaps are told apart", () => {
    const r = new Registry();
    r.add("a", entry(), { seq: 15, epoch: "E" });
    r.add("b", entry(), { seq: 90, epoch: "E" });
    const [op] = r.subscribeOps();
    const res = r.onReply(op!.id, {
      a: { epoch: "E", head: 120, recovered: false, earliest: 100 },
      b: { epoch: "E", head: 40, recovered: false, earliest: 1 },
    });
    expect(res.outcomes.map((o) => o.gap?.reason)).toEqual(["retention", "beyond-head"]);
    expect(r.position("b")).toEqual({ seq: 40, epoch: "E" });
  });

  test("partial catch-up resubscribes from earliest - 1", () => {
    const r = new Registry({ partial: true });
    r.add("a", entry(), { seq: 15, epoch: "E" });
    const [op] = r.subscribeOps();
    admitted(r, "a", [121]);
    const res = r.onReply(op!.id, { a: { epoch: "E", head: 120, recovered: false, earliest: 100 } });
    expect(res.resubscribe).toEqual(["a"]);
    expect(res.deliver).toEqual([]);
    const [again] = r.subscribeOps(res.resubscribe);
    expect(again).toMatchObject({ since: { a: 99 }, epoch: { a: "E" } });
  });

  test("one op per priority; a wider handler resubscribes, a narrower one does not", () => {
    const r = new Registry();
    r.add("a", entry(1));
    r.add("b", entry(1));
    r.add("c", entry(3));
    const ops = r.subscribeOps();
    expect(ops.map((o) => [o.minPriority, o.feeds])).toEqual([
      ["high", ["a", "b"]],
      ["low", ["c"]],
    ]);
    expect(r.add("a", entry(0))).toBe(false);
    expect(r.add("a", entry(2))).toBe(true);
    expect(r.subscribeOps(["a"])[0]?.minPriority).toBe("medium");
  });

  test("removing the last handler forgets the feed, and a late reply does not touch a new subscription", () => {
    const r = new Registry();
    const h = entry();
    r.add("a", h);
    const [old] = r.subscribeOps();
    expect(r.remove("a", entry())).toBe(false);
    expect(r.remove("a", h)).toBe(true);
    expect(r.has("a")).toBe(false);
    r.add("a", entry());
    const [fresh] = r.subscribeOps();
    r.onReply(old!.id, { a: { epoch: "E", head: 50, recovered: false } });
    // Still waiting for its own reply: messages are held.
    expect(admitted(r, "a", [51])).toEqual([]);
    expect(r.onReply(fresh!.id, { a: { epoch: "E", head: 10, recovered: false } }).deliver).toHaveLength(1);
  });

  test("a feed missing from the reply (forbidden) releases its held messages", () => {
    const r = new Registry();
    r.add("a", entry());
    const [op] = r.subscribeOps();
    admitted(r, "a", [1]);
    expect(r.onReply(op!.id, {}).deliver.map((m) => m.seq)).toEqual([1]);
  });

  test("messages of unknown feeds are ignored", () => {
    expect(new Registry().admit(msg("zzz", 1))).toBe(false);
  });
});

describe("a damaged record in a replay", () => {
  test("is a gap from..to of its seq, moves the cursor past it once; stale notices are ignored", () => {
    const r = new Registry();
    r.add("a", entry());
    const [op] = r.subscribeOps();
    expect(r.damaged("a", 4)).toBeUndefined(); // a subscribe is in flight: its replay will say it again
    r.onReply(op!.id, { a: { epoch: "E", head: 0, recovered: false } });
    expect(admitted(r, "a", [3])).toEqual([3]);
    expect(r.damaged("a", 4, "checksum")).toEqual({
      feedId: "a",
      since: 3,
      earliest: 5,
      epoch: "E",
      previousEpoch: "E",
      reason: "damaged",
      from: 4,
      to: 4,
      damage: "checksum",
    });
    expect(r.position("a")).toEqual({ seq: 4, epoch: "E" });
    expect(r.damaged("a", 4)).toBeUndefined();
    expect(r.damaged("b", 9)).toBeUndefined();
    expect(admitted(r, "a", [5])).toEqual([5]);
  });
});
