import { describe, expect, test } from "bun:test";
import { SyncPlacement } from "../../../src/journal/embedded/sync-placement.ts";

describe("SyncPlacement", () => {
  test("inline while syncs are fast; one slow sync sends the next ones to the pool for poolMs", () => {
    let t = 0;
    const p = new SyncPlacement({ slowMs: 2, poolMs: 5000, now: () => t });
    expect(p.inline()).toBe(true);
    p.took(0.2);
    p.took(2);
    expect(p.inline()).toBe(true);
    p.took(2.5);
    expect(p.inline()).toBe(false);
    t = 4999;
    expect(p.inline()).toBe(false);
    t = 5000;
    expect(p.inline()).toBe(true);
    // Slow again on the probe: back to the pool for another period.
    p.took(40);
    t = 9999;
    expect(p.inline()).toBe(false);
    t = 10_000;
    expect(p.inline()).toBe(true);
  });

  test("slowMs 0 keeps every sync on the pool", () => {
    const p = new SyncPlacement({ slowMs: 0, poolMs: 1000, now: () => 0 });
    expect(p.inline()).toBe(false);
  });
});
