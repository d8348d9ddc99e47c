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
