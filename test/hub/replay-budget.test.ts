import { expect, test } from "bun:test";
import type { DeadlineClock } from "../../src/hub/deadline.ts";
import { ReplayBudget } from "../../src/hub/replay-budget.ts";

function clock(): DeadlineClock & { t: number; timers: Array<{ at: number; fn: () => void }> } {
  const c = {
    t: 0,
    timers: [] as Array<{ at: number; fn: () => void }>,
    now: () => c.t,
    setTimer(fn: () => void, ms: number) {
      c.timers.push({ at: c.t + ms, fn });
      return c.timers.length;
    },
    clearTimer() {},
  };
  return c;
}

test("starts full, refills at its rate up to the burst, may dip below zero by one charge", () => {
  const c = clock();
  const b = new ReplayBudget(1000, 4000, c);
  expect(b.available()).toBe(4000);
  b.charge(4500);
  expect(b.available()).toBe(-500);
  expect(b.waitMs(500)).toBe(1000);
  c.t += 1000;
  expect(b.available()).toBe(500);
  c.t += 60_000;
  expect(b.available()).toBe(4000);
});

test("a clock stepping backwards neither drains nor fills the bucket", () => {
  const c = clock();
  c.t = 10_000;
  const b = new ReplayBudget(1000, 4000, c);
  b.charge(3000);
  c.t = 5_000;
  expect(b.available()).toBe(1000);
  c.t = 10_500;
  expect(b.available()).toBe(1500);
});

test("refilled() waits for a quantum (1/8 of the burst) and retryAfterMs says how long", async () => {
  const c = clock();
  const b = new ReplayBudget(800, 8000, c);
  b.charge(8000);
  expect(b.retryAfterMs()).toBe(1250);
  let woke = false;
  void b.refilled().then(() => {
    woke = true;
  });
  expect(c.timers.map((x) => x.at)).toEqual([1250]);
  c.t = 1250;
  c.timers[0]!.fn();
  await Promise.resolve();
  expect(woke).toBe(true);
  expect(b.available()).toBe(1000);
});

test("exclusive() runs one read at a time, in order, and a failure does not block the next", async () => {
  const b = new ReplayBudget(1000, 1000, clock());
  const order: string[] = [];
  let release!: () => void;
  const first = b.exclusive(
    () =>
      new Promise<void>((r) => {
        order.push("first start");
        release = () => {
          order.push("first end");
          r();
        };
      }),
  );
  const second = b.exclusive(async () => {
    order.push("second");
    throw new Error("read failed");
  });
  const third = b.exclusive(async () => {
    order.push("third");
  });
  await Promise.resolve();
  expect(order).toEqual(["first start"]);
  release();
  await first;
  await expect(second).rejects.toThrow("read failed");
  await third;
  expect(order).toEqual(["first start", "first end", "second", "third"]);
});
