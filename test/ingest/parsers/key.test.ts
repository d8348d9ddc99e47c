import { describe, expect, test } from "bun:test";
import { contentKey } from "../../../src/ingest/parsers/key.ts";

describe("contentKey", () => {
  test("stable, distinct, and separating title from description", () => {
    expect(contentKey("a", "b")).toBe(contentKey("a", "b"));
    expect(contentKey("a", "b")).toMatch(/^hash:[0-9a-f]{14}$/);
    expect(contentKey("ab", "")).not.toBe(contentKey("a", "b"));
    const keys = new Set(Array.from({ length: 10_000 }, (_, i) => contentKey(`title ${i}`, "same")));
    expect(keys.size).toBe(10_000);
  });
});
