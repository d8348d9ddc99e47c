import { describe, expect, test } from "bun:test";
import { SlidingWindowCounter, SlidingWindowLimiter } from "../../src/resilience/sliding-window.ts";
import { FakeClock } from "./fake-clock.ts";

describe("SlidingWindowLimiter", () => {
  test("admits `limit` per window, then says exactly when the next one fits", () => {
    const clock = new FakeClock();
    const rl = new SlidingWindowLimiter({ limit: 10, windowMs: 1000, now: clock.now });
    for (let i = 0; i < 10; i++) expect(rl.tryAcquire("ip").ok).toBe(true);
    // Full current bucket: the wait runs into the next window until 10×(1 − e/1000) + 1 ≤ 10, e = 100.
    expect(rl.tryAcquire("ip")).toEqual({ ok: false, retryAfterMs: 1100 });
    clock.advance(1099);
    expect(rl.tryAcquire("ip").ok).toBe(false);
    clock.advance(1);
    expect(rl.tryAcquire("ip")).toEqual({ ok: true, retryAfterMs: 0 });
    expect(rl.tryAcquire("ip").ok).toBe(false);
  });

  test("the previous window slides out linearly", () => {
    const clock = new FakeClock();
    const rl = new SlidingWindowLimiter({ limit: 10, windowMs: 1000, now: clock.now });
    for (let i = 0; i < 10; i++) rl.tryAcquire("k");
    clock.t = 1500; // previous counts for half: 5 used
    expect(rl.used("k")).toBe(5);
    for (let i = 0; i < 5; i++) expect(rl.tryAcquire("k").ok).toBe(true);
    // previous 10 × (1 − e/1000) + current 5 + 1 ≤ 10 ⇒ e ≥ 600: 100 ms from now.
    expect(rl.tryAcquire("k")).toEqual({ ok: false, retryAfterMs: 100 });
    clock.t = 1600;
    expect(rl.tryAcquire("k").ok).toBe(true);
  });

  test("a quiet gap longer than two windows forgets everything", () => {
    const clock = new FakeClock();
    const rl = new SlidingWindowLimiter({ limit: 3, windowMs: 1000, now: clock.now });
    for (let i = 0; i < 3; i++) rl.tryAcquire("k");
    clock.t = 2000;
    expect(rl.used("k")).toBe(0);
  });

  test("keys are independent, costs count, and an impossible cost is an error", () => {
    const clock = new FakeClock();
    const rl = new SlidingWindowLimiter({ limit: 5, windowMs: 1000, now: clock.now });
    expect(rl.tryAcquire("a", 5).ok).toBe(true);
    expect(rl.tryAcquire("a").ok).toBe(false);
    expect(rl.tryAcquire("b", 4).ok).toBe(true);
    expect(() => rl.tryAcquire("b", 6)).toThrow(RangeError);
  });

  test("memory stays bounded under a flood of keys", () => {
    const clock = new FakeClock();
    const rl = new SlidingWindowLimiter({ limit: 1, windowMs: 1000, now: clock.now, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) rl.tryAcquire(`10.0.${i >> 8}.${i & 255}`);
    expect(rl.size).toBe(100);
  });

  test("a clock stepping backwards does not inflate the count", () => {
    const c = new SlidingWindowCounter(1000);
    c.add(4, 1500);
    c.add(4, 2100);
    expect(c.estimate(1900)).toBeLessThanOrEqual(8);
    expect(c.estimate(1900)).toBeGreaterThanOrEqual(4);
  });
});
