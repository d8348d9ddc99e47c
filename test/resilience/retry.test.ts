import { describe, expect, test } from "bun:test";
import { TacError } from "../../src/protocol/errors.ts";
import { backoff, retry, sleep } from "../../src/resilience/retry.ts";
import { FakeClock } from "./fake-clock.ts";

describe("backoff", () => {
  test("min + full jitter over min·2^step, capped", () => {
    expect(backoff(0, 1000, 10_000, () => 0)).toBe(1000);
    expect(backoff(0, 1000, 10_000, () => 0.999_999)).toBe(2000);
    expect(backoff(2, 1000, 10_000, () => 0.5)).toBe(1000 + 2000);
    expect(backoff(10, 1000, 10_000, () => 0.999_999)).toBe(10_000);
    expect(backoff(1000, 1000, 10_000, () => 0)).toBe(1000); // huge steps do not overflow
  });

  test("stays within [min, max] for any random value", () => {
    for (let step = 0; step < 40; step++) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.999_999_9]) {
        const d = backoff(step, 500, 20_000, () => r);
        expect(d).toBeGreaterThanOrEqual(500);
        expect(d).toBeLessThanOrEqual(20_000);
      }
    }
  });
});

describe("retry", () => {
  test("3 attempts by default, waits between them, then rethrows the last error", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const err = await retry(
      async (attempt) => {
        calls++;
        throw new Error(`fail ${attempt}`);
      },
      { sleep: clock.sleep, random: () => 0.5 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect((err as Error).message).toBe("fail 2");
    expect(clock.sleeps).toEqual([1000 + 500, 1000 + 1000]);
  });

  test("returns as soon as an attempt succeeds", async () => {
    const clock = new FakeClock();
    const value = await retry(async (attempt) => (attempt < 1 ? Promise.reject(new Error("x")) : "done"), {
      sleep: clock.sleep,
      random: () => 0,
    });
    expect(value).toBe("done");
    expect(clock.sleeps).toEqual([1000]);
  });

  test("client errors are not retried; 503 and 429 are, honouring retryAfter up to the cap", async () => {
    const clock = new FakeClock();
    let calls = 0;
    await retry(
      async () => {
        calls++;
        throw TacError.validation("bad");
      },
      { sleep: clock.sleep },
    ).catch(() => {});
    expect(calls).toBe(1);

    const seen: number[] = [];
    await retry(
      async (attempt) => {
        throw attempt === 0 ? TacError.unavailable("down", 4) : TacError.unavailable("down", 60);
      },
      { sleep: clock.sleep, random: () => 0, onRetry: (_e, _a, ms) => seen.push(ms) },
    ).catch(() => {});
    expect(seen).toEqual([4000, 10_000]);
  });

  test("shouldRetry decides", async () => {
    const clock = new FakeClock();
    let calls = 0;
    await retry(
      async () => {
        calls++;
        throw new Error("fatal");
      },
      { attempts: 5, sleep: clock.sleep, shouldRetry: (e) => (e as Error).message !== "fatal" },
    ).catch(() => {});
    expect(calls).toBe(1);
  });

  test("an abort during the wait stops at once with the signal's reason", async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = performance.now();
    const pending = retry(
      async () => {
        calls++;
        throw new Error("fail");
      },
      { baseMs: 30_000, capMs: 30_000, signal: controller.signal, sleep },
    );
    setTimeout(() => controller.abort(new Error("shutdown")), 20);
    const err = await pending.catch((e: unknown) => e);
    expect((err as Error).message).toBe("shutdown");
    expect(calls).toBe(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("an already aborted signal runs nothing", async () => {
    let calls = 0;
    await retry(
      async () => {
        calls++;
      },
      { signal: AbortSignal.abort() },
    ).catch(() => {});
    expect(calls).toBe(0);
  });
});
