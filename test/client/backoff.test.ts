import { describe, expect, test } from "bun:test";
import { backoff } from "../../src/client/backoff.ts";

describe("backoff (full jitter)", () => {
  test("random 0 gives the minimum at every step", () => {
    for (let step = 0; step < 40; step++) expect(backoff(step, 500, 20_000, () => 0)).toBe(500);
  });

  test("random → 1 gives min + min·2^step, capped at max", () => {
    const top = () => 0.999_999_999;
    expect(backoff(0, 500, 20_000, top)).toBe(1000);
    expect(backoff(1, 500, 20_000, top)).toBe(1500);
    expect(backoff(3, 500, 20_000, top)).toBe(4500);
    expect(backoff(6, 500, 20_000, top)).toBe(20_000);
    expect(backoff(1000, 500, 20_000, top)).toBe(20_000);
  });

  test("every delay lies in [min, max] and the window grows with the step", () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const spread = (step: number) => {
      let hi = 0;
      for (let i = 0; i < 500; i++) {
        const d = backoff(step, 500, 20_000, rand);
        expect(d).toBeGreaterThanOrEqual(500);
        expect(d).toBeLessThanOrEqual(20_000);
        hi = Math.max(hi, d);
      }
      return hi;
    };
    expect(spread(0)).toBeLessThanOrEqual(1000);
    expect(spread(4)).toBeGreaterThan(4000);
  });

  test("a negative or fractional step behaves as its floor, at least 0", () => {
    expect(backoff(-3, 100, 1000, () => 0.999_999)).toBe(200);
    expect(backoff(2.7, 100, 1000, () => 0.999_999)).toBe(500);
  });
});
