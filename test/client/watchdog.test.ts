import { describe, expect, test } from "bun:test";
import { type Timers, Watchdog } from "../../src/client/watchdog.ts";

/** A manual clock: `advance(ms)` runs due timers in order. */
function manualTimers() {
  let now = 0;
  let nextId = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => due.delete(h as number),
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined || next[1].at > end) break;
      due.delete(next[0]);
      now = next[1].at;
      next[1].fn();
    }
    now = end;
  };
  return { timers, advance, pending: () => due.size };
}

describe("heartbeat watchdog", () => {
  test("fires after timeoutMs of silence, once", () => {
    const t = manualTimers();
    let fired = 0;
    const w = new Watchdog(1000, () => fired++, t.timers);
    w.start();
    t.advance(999);
    expect(fired).toBe(0);
    t.advance(1);
    expect(fired).toBe(1);
    t.advance(5000);
    expect(fired).toBe(1);
  });

  test("kicks push the deadline without creating timers", () => {
    const t = manualTimers();
    let fired = 0;
    const w = new Watchdog(1000, () => fired++, t.timers);
    w.start();
    for (let i = 0; i < 10; i++) {
      t.advance(600);
      w.kick();
    }
    expect(fired).toBe(0);
    expect(t.pending()).toBe(1);
    t.advance(999);
    expect(fired).toBe(0);
    t.advance(1);
    expect(fired).toBe(1);
  });

  test("stop cancels; timeout 0 disables", () => {
    const t = manualTimers();
    let fired = 0;
    const w = new Watchdog(1000, () => fired++, t.timers);
    w.start();
    w.stop();
    t.advance(10_000);
    const off = new Watchdog(0, () => fired++, t.timers);
    off.start();
    t.advance(10_000);
    expect(fired).toBe(0);
    expect(t.pending()).toBe(0);
  });
});
