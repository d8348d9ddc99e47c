import { describe, expect, test } from "bun:test";
import { ConnectionLimits } from "../../src/security/connection-limits.ts";
import { FakeClock } from "../resilience/fake-clock.ts";

describe("ConnectionLimits", () => {
  test("per-IP rate: a burst, then Retry-After in whole seconds", () => {
    const clock = new FakeClock();
    const limits = new ConnectionLimits({ now: clock.now, perIpRate: 2, perIpBurst: 3 });
    for (let i = 0; i < 3; i++) expect(limits.admit("203.0.113.9", null)).toEqual({ ok: true });
    expect(limits.admit("203.0.113.9", null)).toEqual({
      ok: false,
      code: "RATE_LIMITED",
      retryAfter: 1,
      reason: "ip_rate",
    });
    expect(limits.admit("198.51.100.1", null).ok).toBe(true); // another IP is unaffected
    clock.advance(500);
    expect(limits.admit("203.0.113.9", null).ok).toBe(true);
  });

  test("per-subject cap on concurrent connections, freed by release", () => {
    const clock = new FakeClock();
    const limits = new ConnectionLimits({ now: clock.now, maxPerSubject: 2, subjectRetryAfterSec: 7 });
    expect(limits.admit("10.0.0.1", "svc").ok).toBe(true);
    expect(limits.admit("10.0.0.2", "svc").ok).toBe(true);
    expect(limits.admit("10.0.0.3", "svc")).toEqual({
      ok: false,
      code: "RATE_LIMITED",
      retryAfter: 7,
      reason: "subject_cap",
    });
    expect(limits.admit("10.0.0.3", "other").ok).toBe(true);
    limits.release("10.0.0.1", "svc");
    expect(limits.openFor("svc")).toBe(1);
    expect(limits.admit("10.0.0.3", "svc").ok).toBe(true);
    limits.release("10.0.0.2", "svc");
    limits.release("10.0.0.3", "svc");
    limits.release("10.0.0.3", "svc"); // an extra release never goes negative
    expect(limits.openFor("svc")).toBe(0);
  });
});
