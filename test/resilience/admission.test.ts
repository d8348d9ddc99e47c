import { expect, test } from "bun:test";
import { AdmissionController } from "../../src/resilience/admission.ts";
import { FakeClock } from "./fake-clock.ts";

test("admits up to maxInFlight, refuses the next with Retry-After, admits again after a release", () => {
  const clock = new FakeClock();
  const a = new AdmissionController({ maxInFlight: 2, maxBytes: 1_000_000, now: clock.now });
  const r1 = a.tryAdmit(10);
  const r2 = a.tryAdmit(10);
  expect(r1.ok && r2.ok).toBe(true);
  const r3 = a.tryAdmit(10);
  expect(r3.ok).toBe(false);
  if (!r3.ok) {
    expect(r3.retryAfter).toBeGreaterThanOrEqual(1);
    expect(r3.reason).toContain("2 requests");
  }
  expect(a.refused).toBe(1);
  if (r1.ok) {
    r1.ticket.release();
    r1.ticket.release(); // idempotent: a second release frees nothing more
  }
  expect(a.inFlight).toBe(1);
  expect(a.tryAdmit(10).ok).toBe(true);
  expect(a.tryAdmit(10).ok).toBe(false);
});

test("bounds bytes in flight, but a lone request always passes", () => {
  const a = new AdmissionController({ maxInFlight: 100, maxBytes: 1000, now: () => 0 });
  const big = a.tryAdmit(5000);
  expect(big.ok).toBe(true);
  expect(a.tryAdmit(1).ok).toBe(false);
  if (big.ok) big.ticket.release();
  expect(a.bytes).toBe(0);
  const r = a.tryAdmit(600);
  expect(r.ok).toBe(true);
  expect(a.tryAdmit(500).ok).toBe(false);
  expect(a.tryAdmit(400).ok).toBe(true);
});

test("Retry-After follows how long slots were held lately", () => {
  const clock = new FakeClock();
  const a = new AdmissionController({ maxInFlight: 1, maxBytes: 1_000_000, now: clock.now });
  for (let i = 0; i < 200; i++) {
    const r = a.tryAdmit(1);
    clock.advance(4000);
    if (r.ok) r.ticket.release();
  }
  const held = a.tryAdmit(1);
  const refused = a.tryAdmit(1);
  expect(held.ok).toBe(true);
  expect(refused.ok ? 0 : refused.retryAfter).toBe(4);
});
