import { describe, expect, test } from "bun:test";
import { LruMap } from "../../src/resilience/lru.ts";

describe("LruMap", () => {
  test("evicts the least recently used entry past the cap", () => {
    const evicted: string[] = [];
    const m = new LruMap<string, number>(2, (k) => evicted.push(k));
    m.set("a", 1).set("b", 2);
    expect(m.get("a")).toBe(1); // a is now the most recent
    m.set("c", 3);
    expect(evicted).toEqual(["b"]);
    expect([...m.entries()].map(([k]) => k)).toEqual(["a", "c"]);
    expect(m.size).toBe(2);
  });

  test("peek does not change recency", () => {
    const m = new LruMap<string, number>(2);
    m.set("a", 1).set("b", 2);
    m.peek("a");
    m.set("c", 3);
    expect(m.has("a")).toBe(false);
    expect(m.has("b")).toBe(true);
  });

  test("refuses a nonsensical cap", () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});

describe("LruMap under churn", () => {
  test("keeps exact LRU order through many uses, evictions and compactions", () => {
    const evicted: number[] = [];
    const m = new LruMap<number, number>(100, (k) => evicted.push(k));
    // A reference model: an array in recency order.
    const model: number[] = [];
    const use = (k: number) => {
      const at = model.indexOf(k);
      if (at >= 0) model.splice(at, 1);
      model.push(k);
      while (model.length > 100) model.shift();
    };
    let seed = 1;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 50_000; i++) {
      const k = rnd() % 1000;
      if (i % 7 === 0) {
        if (m.get(k) !== undefined) use(k);
      } else if (i % 11 === 0) {
        m.delete(k);
        const at = model.indexOf(k);
        if (at >= 0) model.splice(at, 1);
      } else {
        m.set(k, i);
        use(k);
      }
    }
    expect([...m.entries()].map(([k]) => k)).toEqual(model);
    expect(m.size).toBe(model.length);
    expect(evicted.length).toBeGreaterThan(1000);
  });

  test("a flood of distinct keys into a full map keeps exactly the newest ones", () => {
    const m = new LruMap<string, number>(10_000);
    for (let i = 0; i < 10_000; i++) m.set(`k${i}`, i);
    for (let i = 0; i < 100_000; i++) m.set(`x${i}`, i);
    expect(m.size).toBe(10_000);
    expect(m.peek("x89999")).toBeUndefined();
    expect(m.peek("x90000")).toBe(90_000);
    expect([...m.entries()][0]![0]).toBe("x90000");
  });
});
