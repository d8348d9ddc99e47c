import { describe, expect, test } from "bun:test";
import { Scheduler, type Timers } from "../../../src/ingest/feeds/scheduler.ts";

/** Timers on a clock the test moves: `advance` fires what falls due, in time order. */
class FakeTimers implements Timers {
  t = 0;
  #next = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.pending.delete(h as number);
  };
  /** Moves the clock to now + ms, firing due timers and letting the tasks they start settle. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending)
        if (e[1].at <= until && (due === undefined || e[1].at < due[1].at)) due = e;
      if (due === undefined) break;
      this.pending.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.t = until;
  }
}

describe("scheduler", () => {
  test("first runs are spread over the start window; later ones every interval ± jitter", async () => {
    const timers = new FakeTimers();
    const runs: number[] = [];
    let r = 0;
    const randoms = [0.5, 0, 1, 0.25];
    const s = new Scheduler({
      timers,
      random: () => randoms[r++ % randoms.length]!,
      jitter: 0.1,
      startSpreadMs: 2_000,
    });
    s.add("a", 10_000, async () => {
      runs.push(timers.t);
    });
    expect(s.nextAt("a")).toBe(1_000); // 0.5 × min(10 s, 2 s)
    await timers.advance(1_000);
    expect(runs).toEqual([1_000]);
    expect(s.nextAt("a")).toBe(1_000 + 9_000); // random 0 → interval × 0.9
    await timers.advance(9_000);
    expect(s.nextAt("a")).toBe(10_000 + 11_000); // random 1 → interval × 1.1
    await timers.advance(11_000);
    expect(runs).toEqual([1_000, 10_000, 21_000]);
    await s.stop();
    expect(s.nextAt("a")).toBeUndefined();
    expect(timers.pending.size).toBe(0);
  });

  test("a slow run delays the next instead of overlapping; runNow joins a run in progress", async () => {
    const timers = new FakeTimers();
    const s = new Scheduler({ timers, random: () => 0.5, startSpreadMs: 0 });
    let release: () => void = () => {};
    let running = 0;
    let maxRunning = 0;
    let count = 0;
    s.add("slow", 1_000, async () => {
      count++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => {
        release = r;
      });
      running--;
    });
    await timers.advance(0);
    expect(count).toBe(1);
    expect(s.nextAt("slow")).toBeUndefined(); // nothing is armed while it runs
    await timers.advance(10_000);
    const joined = s.runNow("slow");
    expect(count).toBe(1);
    release();
    await joined;
    expect(s.nextAt("slow")).toBe(timers.t + 1_000);
    expect(maxRunning).toBe(1);
    await s.stop();
  });

  test("a failing task keeps its schedule; runNow runs at once and re-arms from then", async () => {
    const timers = new FakeTimers();
    const s = new Scheduler({ timers, random: () => 0.5, startSpreadMs: 0 });
    let calls = 0;
    s.add("bad", 5_000, async () => {
      calls++;
      throw new Error("upstream down");
    });
    await timers.advance(0);
    await timers.advance(5_000);
    expect(calls).toBe(2);
    await timers.advance(2_000);
    await s.runNow("bad");
    expect(calls).toBe(3);
    expect(s.nextAt("bad")).toBe(7_000 + 5_000);
    await expect(s.runNow("missing")).rejects.toThrow("no job missing");
    expect(() => s.add("bad", 1, async () => {})).toThrow("already scheduled");
    await s.stop();
  });

  test("stop waits for runs in progress and arms nothing after", async () => {
    const timers = new FakeTimers();
    const s = new Scheduler({ timers, random: () => 0, startSpreadMs: 0 });
    let finished = false;
    s.add("x", 1_000, async () => {
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
    });
    await timers.advance(0);
    await s.stop();
    expect(finished).toBe(true);
    expect(timers.pending.size).toBe(0);
  });
});
