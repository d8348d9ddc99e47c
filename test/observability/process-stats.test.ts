import { describe, expect, test } from "bun:test";
import { LagSampler } from "../../src/observability/process-stats.ts";

describe("LagSampler", () => {
  test("reports the worst lag since the last read, then the latest", () => {
    const now = 0;
    const lag = new LagSampler(500, () => now);
    lag.start(); // expects a tick at 500
    lag.stop();
    lag.tick(520);
    expect(lag.read()).toEqual({ maxMs: 20, lastMs: 20 });
    lag.tick(480); // early ticks are not negative lag
    expect(lag.read()).toEqual({ maxMs: 20, lastMs: 0 });
    expect(lag.read()).toEqual({ maxMs: 0, lastMs: 0 });
  });

  test("measures a real blocked loop", async () => {
    const lag = new LagSampler(10);
    lag.start();
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // Block the event loop on purpose.
    }
    await new Promise((r) => setTimeout(r, 30));
    lag.stop();
    expect(lag.read().maxMs).toBeGreaterThanOrEqual(40);
  });
});
