import { describe, expect, test } from "bun:test";
import { resolveOptions as embedded } from "../../src/journal/embedded/options.ts";
import { resolveOptions as jetstream } from "../../src/journal/jetstream/options.ts";
import { REPLAY_WINDOW_MS, WEBHOOK_TOLERANCE_SEC } from "../../src/security/replay-window.ts";

describe("replay window", () => {
  test("covers a signature's whole life: the tolerance either way", () => {
    expect(REPLAY_WINDOW_MS).toBeGreaterThanOrEqual(2 * WEBHOOK_TOLERANCE_SEC * 1000);
  });

  test("attack: a delivery replayed at 305 s is still inside both journals' de-dup window", () => {
    expect(embedded({ dir: "/tmp/x" }).dedupWindowMs).toBeGreaterThanOrEqual(REPLAY_WINDOW_MS);
    expect(jetstream({ servers: "x" }).duplicateWindowMs).toBeGreaterThanOrEqual(REPLAY_WINDOW_MS);
    expect(embedded({ dir: "/tmp/x" }).dedupWindowMs).toBeGreaterThan(305_000);
  });
});
