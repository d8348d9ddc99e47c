import { describe, expect, test } from "bun:test";
import { TokenBucketLimiter } from "../../src/resilience/token-bucket.ts";
import { FakeClock } from "./fake-clock.ts";

describe("TokenBucketLimiter", () => {
  test("a burst, then one token per 1/rate seconds", () => {
    const clock = new FakeClock();
    const tb = new TokenBucketLimiter({ rate: 10, burst: 3, now: clock.now });
    for (let i = 0; i < 3; i++) expect(tb.tryAcquire("ip").ok).toBe(true);
    expect(tb.tryAcquire("ip")).toEqual({ ok: false, retryAfterMs: 100 });
    clock.advance(99);
    expect(tb.tryAcquire("ip").ok).toBe(false);
    clock.advance(1);
    expect(tb.tryAcquire("ip").ok).toBe(true);
    expect(tb.tryAcquire("ip").ok).toBe(false);
  });

  test("tokens never exceed the burst however long the key was idle", () => {
    const clock = new FakeClock();
    const tb = new TokenBucketLimiter({ rate: 100, burst: 5, now: clock.now });
    tb.tryAcquire("k", 5);
    clock.advance(3_600_000);
    expect(tb.available("k")).toBe(5);
    expect(tb.tryAcquire("k", 5).ok).toBe(true);
    expect(tb.tryAcquire("k").ok).toBe(false);
  });

  test("a cost waits for all its tokens; an impossible cost is an error", () => {
    const clock = new FakeClock();
    const tb = new TokenBucketLimiter({ rate: 2, burst: 4, now: clock.now });
    tb.tryAcquire("k", 4);
    expect(tb.tryAcquire("k", 3)).toEqual({ ok: false, retryAfterMs: 1500 });
    expect(() => tb.tryAcquire("k", 5)).toThrow(RangeError);
  });

  test("a flood of distinct IPs cannot grow memory past maxKeys, and recent keys survive", () => {
    const clock = new FakeClock();
    const tb = new TokenBucketLimiter({ rate: 1, burst: 1, now: clock.now, maxKeys: 1000 });
    tb.tryAcquire("attacker");
    for (let i = 0; i < 50_000; i++) {
      tb.tryAcquire(`ip-${i}`);
      if (i % 500 === 0) tb.tryAcquire("attacker"); // kept recent, so never evicted
    }
    expect(tb.size).toBe(1000);
    expect(tb.tryAcquire("attacker").ok).toBe(false);
  });

  test("a clock stepping backwards does not drain tokens", () => {
    const clock = new FakeClock(10_000);
    const tb = new TokenBucketLimiter({ rate: 1, burst: 2, now: clock.now });
    tb.tryAcquire("k");
    clock.t = 5_000;
    expect(tb.available("k")).toBe(1);
  });
});
