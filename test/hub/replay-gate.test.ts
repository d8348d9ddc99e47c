import { expect, test } from "bun:test";
import { ReplayGate } from "../../src/hub/replay-gate.ts";

test("admits up to its bound, refuses past it, frees a slot on release (once)", () => {
  const g = new ReplayGate(2);
  const a = g.tryEnter();
  const b = g.tryEnter();
  expect(a).toBeDefined();
  expect(b).toBeDefined();
  expect(g.tryEnter()).toBeUndefined();
  a?.();
  a?.();
  expect(g.active).toBe(1);
  expect(g.tryEnter()).toBeDefined();
  expect(g.tryEnter()).toBeUndefined();
});
