import { expect, test } from "bun:test";
import { planResume } from "../../src/hub/resume.ts";

const pos = { epoch: "e1", head: 40, first: 10, last: 50 };

test("no since: live from now", () => {
  expect(planResume(undefined, undefined, pos)).toEqual({ kind: "live" });
});

test("a since inside the retained history of this epoch replays exactly from it", () => {
  expect(planResume(9, undefined, pos)).toEqual({ kind: "replay", since: 9 });
  expect(planResume(50, "e1", pos)).toEqual({ kind: "replay", since: 50 });
  expect(planResume(0, undefined, { ...pos, first: 1 })).toEqual({ kind: "replay", since: 0 });
});

test("history trimmed past since: lost, with the earliest seq still held", () => {
  expect(planResume(8, undefined, pos)).toEqual({ kind: "lost", earliest: 10, beyondHead: false });
});

test("another epoch voids any position, even one that looks valid", () => {
  expect(planResume(20, "e0", pos)).toEqual({ kind: "lost", earliest: 10, beyondHead: false });
  expect(planResume(99, "e0", pos)).toEqual({ kind: "lost", earliest: 10, beyondHead: false });
});

test("beyond the head in the same epoch: lost, and flagged for a SINCE_BEYOND_HEAD error", () => {
  expect(planResume(51, undefined, pos)).toEqual({ kind: "lost", earliest: 10, beyondHead: true });
  expect(planResume(51, "e1", pos)).toEqual({ kind: "lost", earliest: 10, beyondHead: true });
});
