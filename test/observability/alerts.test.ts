import { describe, expect, test } from "bun:test";
import { AlertEvaluator, type AlertSample } from "../../src/observability/alerts.ts";

const zero: AlertSample = { requests: 0, serverErrors: 0, latencySum: 0, latencyCount: 0, queueDepth: 0 };

describe("AlertEvaluator", () => {
  test("error rate above 5 % over a window raises, back below clears", () => {
    let now = 1_000;
    const ev = new AlertEvaluator({}, () => now);
    expect(ev.evaluate(zero)).toEqual([]);
    now = 6_000;
    const raised = ev.evaluate({ ...zero, requests: 100, serverErrors: 6 });
    expect(raised).toEqual([
      {
        alert: "error_rate",
        state: "raised",
        value: 0.06,
        threshold: 0.05,
        at: 6_000,
        message: "error rate 0.0600 is above 0.0500",
      },
    ]);
    expect(ev.active).toEqual(["error_rate"]);
    // Still failing: no new transition.
    expect(ev.evaluate({ ...zero, requests: 200, serverErrors: 20 })).toEqual([]);
    now = 16_000;
    const cleared = ev.evaluate({ ...zero, requests: 300, serverErrors: 21 });
    expect(cleared.map((t) => [t.alert, t.state, t.value])).toEqual([["error_rate", "cleared", 0.01]]);
    expect(ev.active).toEqual([]);
  });

  test("exactly at the threshold does not raise (the rule says above)", () => {
    const ev = new AlertEvaluator();
    ev.evaluate(zero);
    expect(ev.evaluate({ ...zero, requests: 100, serverErrors: 5 })).toEqual([]);
  });

  test("too few requests, or no latency samples, keep the current state", () => {
    const ev = new AlertEvaluator({ minRequests: 20 });
    ev.evaluate(zero);
    expect(ev.evaluate({ ...zero, requests: 2, serverErrors: 2 })).toEqual([]);
    expect(ev.evaluate({ ...zero, requests: 102, serverErrors: 52 })[0]?.state).toBe("raised");
    // A quiet window (no requests at all) does not clear it.
    expect(ev.evaluate({ ...zero, requests: 102, serverErrors: 52 })).toEqual([]);
    expect(ev.active).toEqual(["error_rate"]);
  });

  test("average latency is computed over the window, not since start", () => {
    const ev = new AlertEvaluator({ latencySeconds: 1 });
    ev.evaluate({ ...zero, latencySum: 1000, latencyCount: 10 }); // a bad past: 100 s average
    expect(ev.evaluate({ ...zero, latencySum: 1001, latencyCount: 20 })).toEqual([]);
    const t = ev.evaluate({ ...zero, latencySum: 1013, latencyCount: 30 });
    expect(t.map((x) => [x.alert, x.state, x.value])).toEqual([["latency", "raised", 1.2]]);
  });

  test("queue depth is a level, checked on the first sample too; thresholds are configurable", () => {
    const ev = new AlertEvaluator({ queueDepth: 10 });
    expect(ev.evaluate({ ...zero, queueDepth: 11 }).map((t) => t.alert)).toEqual(["queue_depth"]);
    expect(ev.evaluate({ ...zero, queueDepth: 10 }).map((t) => t.state)).toEqual(["cleared"]);
    const seed = new AlertEvaluator();
    expect(seed.evaluate({ ...zero, queueDepth: 1000 })).toEqual([]);
    expect(seed.evaluate({ ...zero, queueDepth: 1001 })[0]?.threshold).toBe(1000);
  });
});
