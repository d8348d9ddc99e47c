import { expect, test } from "bun:test";
import { type DeadlineClock, MAX_TIMER_MS, scheduleAt } from "../../src/hub/deadline.ts";

/** A clock whose timers run only when the test advances time. */
function fakeClock(start = 0) {
  let now = start;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const delays: number[] = [];
  const clock: DeadlineClock = {
    now: () => now,
    setTimer: (fn, ms) => {
      delays.push(ms);
      timers.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimer: (h) => timers.delete(h as number),
  };
  const advance = (ms: number): void => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = end;
  };
  return { clock, advance, delays, pending: () => timers.size };
}

const DAY = 86_400_000;

test("a 30-day deadline is waited for in chunks no timer overflows, and fires exactly at the end", () => {
  const c = fakeClock(1_000);
  let fired = 0;
  scheduleAt(1_000 + 30 * DAY, () => fired++, c.clock);
  expect(Math.max(...c.delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
  c.advance(29 * DAY);
  expect(fired).toBe(0);
  c.advance(DAY - 1);
  expect(fired).toBe(0);
  c.advance(1);
  expect(fired).toBe(1);
  expect(c.pending()).toBe(0);
});

test("a deadline already past fires at once; a near one is one timer", () => {
  const c = fakeClock(500);
  let fired = 0;
  scheduleAt(100, () => fired++, c.clock);
  expect(fired).toBe(1);
  scheduleAt(600, () => fired++, c.clock);
  expect(c.delays).toEqual([100]);
  c.advance(100);
  expect(fired).toBe(2);
});

test("cancel stops it, also between chunks", () => {
  const c = fakeClock();
  let fired = 0;
  const cancel = scheduleAt(40 * DAY, () => fired++, c.clock);
  c.advance(25 * DAY);
  cancel();
  c.advance(20 * DAY);
  expect(fired).toBe(0);
  expect(c.pending()).toBe(0);
});
