import { describe, expect, test } from "bun:test";
import {
  formatExpiries,
  GROUP_MAX,
  groupBacklog,
  groupMsgId,
  joinFrames,
  lastSeqOfGroup,
  packSeq,
  parseExpiries,
  replayStart,
  splitFrames,
  unpackSeq,
} from "../../../src/journal/jetstream/group.ts";
import { decodeFrame } from "../../../src/protocol/frame.ts";
import { makeEntry } from "../entries.ts";

describe("group commit seqs", () => {
  test("the first frame of a stream is seq 1; seqs increase within and across groups", () => {
    expect(packSeq(1, 0)).toBe(1);
    expect(packSeq(1, 1)).toBe(2);
    expect(packSeq(2, 0)).toBe(GROUP_MAX + 1);
    const seqs: number[] = [];
    for (const s of [1, 2, 3, 900]) for (const i of [0, 1, 57, GROUP_MAX - 1]) seqs.push(packSeq(s, i));
    for (let k = 1; k < seqs.length; k++) expect(seqs[k]!).toBeGreaterThan(seqs[k - 1]!);
    // The last possible frame of a group stays below the first of the next.
    expect(packSeq(7, GROUP_MAX - 1)).toBe(packSeq(8, 0) - 1);
  });

  test("unpack inverts pack, up to stream seqs of 2^41 (seqs stay safe integers)", () => {
    for (const s of [1, 2, 12_345, 2 ** 41 - 1]) {
      for (const i of [0, 1, 99, GROUP_MAX - 1]) {
        const seq = packSeq(s, i);
        expect(Number.isSafeInteger(seq)).toBe(true);
        expect(unpackSeq(seq)).toEqual({ streamSeq: s, index: i });
      }
    }
  });

  test("lastSeqOfGroup bounds every frame of the groups up to it", () => {
    expect(lastSeqOfGroup(0)).toBe(0);
    expect(lastSeqOfGroup(5)).toBe(packSeq(5, GROUP_MAX - 1));
    expect(lastSeqOfGroup(5)).toBeLessThan(packSeq(6, 0));
  });

  test("a replay after a seq starts at the group that can hold the next one", () => {
    expect(replayStart(0)).toBe(1);
    expect(replayStart(packSeq(3, 0))).toBe(3);
    expect(replayStart(packSeq(3, 10))).toBe(3);
    // After the last possible frame of group 3, the next frame is in group 4.
    expect(replayStart(packSeq(3, GROUP_MAX - 1))).toBe(4);
  });
});

describe("backlog over sparse seqs", () => {
  test("exact within a group, a lower bound across groups, never the raw seq distance", () => {
    expect(groupBacklog(packSeq(3, 2), packSeq(3, 9))).toBe(7);
    expect(groupBacklog(packSeq(3, 9), packSeq(3, 9))).toBe(0);
    expect(groupBacklog(packSeq(3, 99), packSeq(4, 0))).toBe(1);
    expect(groupBacklog(packSeq(3, 99), packSeq(6, 4))).toBe(2 + 5);
    expect(groupBacklog(0, packSeq(1, 4))).toBe(5);
    expect(groupBacklog(packSeq(5, 0), packSeq(4, 0))).toBe(0);
  });
});

describe("group framing", () => {
  test("frames joined back to back split into the same frames, as views", () => {
    const entries = [makeEntry("f"), makeEntry("f", { payload: { big: "x".repeat(5000) } }), makeEntry("f")];
    const body = joinFrames(entries.map((e) => e.frame));
    expect(body.length).toBe(entries.reduce((n, e) => n + e.frame.length, 0));
    const frames = splitFrames(body)!;
    expect(frames).toHaveLength(3);
    for (const [i, f] of frames.entries()) {
      expect(f).toEqual(entries[i]!.frame);
      expect(f.buffer).toBe(body.buffer);
      expect(decodeFrame(f).id).toBe(entries[i]!.id);
    }
  });

  test("a single frame is a group of one (what the journal wrote before group commit)", () => {
    const e = makeEntry("legacy");
    expect(joinFrames([e.frame])).toBe(e.frame);
    expect(splitFrames(e.frame)).toEqual([e.frame]);
  });

  test("bodies whose lengths do not tile are refused", () => {
    const e = makeEntry("f");
    const body = joinFrames([e.frame, e.frame]);
    expect(splitFrames(body.subarray(0, body.length - 1))).toBeUndefined();
    expect(splitFrames(body.subarray(0, e.frame.length + 10))).toBeUndefined();
    expect(splitFrames(new Uint8Array(0))).toBeUndefined();
  });

  test("per-frame expiry: absent when none expires, one value reads as a group of one", () => {
    expect(formatExpiries([0, 0])).toBeUndefined();
    expect(formatExpiries([0, 123, 0])).toBe("0,123,0");
    expect(parseExpiries(undefined, 2)).toEqual([0, 0]);
    expect(parseExpiries("0,123,0", 3)).toEqual([0, 123, 0]);
    expect(parseExpiries("456", 1)).toEqual([456]);
    expect(parseExpiries("junk,7", 2)).toEqual([0, 7]);
  });

  test("a group's Nats-Msg-Id depends on its feed, its ids and their order; one id is the old form", () => {
    expect(groupMsgId("f", ["a"])).toBe("f/a");
    const ab = groupMsgId("f", ["a", "b"]);
    expect(ab).toBe(groupMsgId("f", ["a", "b"]));
    expect(ab).not.toBe(groupMsgId("f", ["b", "a"]));
    expect(ab).not.toBe(groupMsgId("g", ["a", "b"]));
    expect(ab).not.toBe(groupMsgId("f", ["ab"]));
    // The value itself is part of the stored data (a retry after an upgrade must match): pinned.
    expect(ab).toBe("f/g2-fb8e20fc2e4c3f248c60c39bd652f3c1");
  });
});
