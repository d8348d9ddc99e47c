import { describe, expect, test } from "bun:test";
import { AdaptiveLimiter } from "../../src/resilience/adaptive.ts";
import { FakeClock } from "./fake-clock.ts";

function healthy(limiter: AdaptiveLimiter, n: number, latencyMs = 20): void {
  for (let i = 0; i < n; i++) limiter.record({ ok: true, latencyMs });
}

describe("AdaptiveLimiter", () => {
  test("at the limit and healthy, grows 10 % once per window instead of refusing", () => {
    const clock = new FakeClock();
    const al = new AdaptiveLimiter({ initialLimit: 10, maxLimit: 100, now: clock.now });
    healthy(al, 20);
    for (let i = 0; i < 10; i++) expect(al.tryAcquire().ok).toBe(true);
    expect(al.tryAcquire().ok).toBe(true); // grew to 11
    expect(al.limit).toBeCloseTo(11, 9);
    expect(al.tryAcquire().ok).toBe(false); // no second increase within the same window
    expect(al.limit).toBeCloseTo(11, 9);
  });

  test("never grows without enough samples, with errors ≥ 1 %, or with latency ≥ 100 ms", () => {
    const clock = new FakeClock();
    const few = new AdaptiveLimiter({ initialLimit: 2, maxLimit: 100, now: clock.now });
    healthy(few, 19);
    few.tryAcquire();
    few.tryAcquire();
    expect(few.tryAcquire().ok).toBe(false);
    expect(few.limit).toBe(2);

    const slow = new AdaptiveLimiter({ initialLimit: 2, maxLimit: 100, now: clock.now });
    healthy(slow, 20, 100);
    slow.tryAcquire();
    slow.tryAcquire();
    expect(slow.tryAcquire().ok).toBe(false);
    expect(slow.limit).toBe(2);
  });

  test("never beyond maxLimit", () => {
    const clock = new FakeClock();
    const al = new AdaptiveLimiter({ initialLimit: 10, maxLimit: 12, now: clock.now });
    healthy(al, 50);
    for (let round = 0; round < 10; round++) {
      while (al.tryAcquire().ok) {}
      clock.advance(1000);
    }
    expect(al.limit).toBe(12);
  });

  test("an error burst halves the limit once per window, never below minLimit", () => {
    const clock = new FakeClock();
    const al = new AdaptiveLimiter({ initialLimit: 40, maxLimit: 100, minLimit: 4, now: clock.now });
    healthy(al, 50);
    for (let i = 0; i < 5; i++) al.record({ ok: false, latencyMs: 5 });
    expect(al.limit).toBe(20);
    clock.advance(1000);
    al.record({ ok: false, latencyMs: 5 });
    expect(al.limit).toBe(10);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      al.record({ ok: false, latencyMs: 5 });
    }
    expect(al.limit).toBe(4);
    expect(al.snapshot().errorRate).toBeGreaterThan(0.01);
  });

  test("an error below the 1 % threshold does not shrink the limit", () => {
    const clock = new FakeClock();
    const al = new AdaptiveLimiter({ initialLimit: 40, maxLimit: 100, now: clock.now });
    healthy(al, 199);
    al.record({ ok: false, latencyMs: 5 }); // 1 in 200 = 0.5 %
    expect(al.limit).toBe(40);
  });

  test("statistics age out after two stats windows", () => {
    const clock = new FakeClock();
    const al = new AdaptiveLimiter({
      initialLimit: 10,
      maxLimit: 100,
      statsWindowMs: 10_000,
      now: clock.now,
    });
    al.record({ ok: false, latencyMs: 500 });
    expect(al.snapshot()).toEqual({ limit: 5, samples: 1, errorRate: 1, averageLatencyMs: 500 });
    clock.advance(20_000);
    expect(al.snapshot()).toEqual({ limit: 5, samples: 0, errorRate: 0, averageLatencyMs: 0 });
  });
});
