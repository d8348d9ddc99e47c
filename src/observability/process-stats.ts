import type { Registry } from "./registry.ts";

/**
 * Event-loop lag: a timer asks to run every `intervalMs`; how late it runs is how long the loop was
 * busy. Keeps the worst lag seen since the last read, so a short stall between two scrapes is not lost.
 */
export class LagSampler {
  #expected = 0;
  #max = 0;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly intervalMs = 500,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.#timer !== undefined) return;
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Records one tick that ran at `actual` ms (exposed for tests). */
  tick(actual: number): void {
    const lag = Math.max(0, actual - this.#expected);
    this.#last = lag;
    if (lag > this.#max) this.#max = lag;
  }

  /** Worst lag in ms since the previous call (then reset), and the latest one. */
  read(): { maxMs: number; lastMs: number } {
    const r = { maxMs: this.#max, lastMs: this.#last };
    this.#max = this.#last;
    return r;
  }

  #schedule(): void {
    this.#expected = this.now() + this.intervalMs;
    this.#timer = setTimeout(() => {
      this.tick(this.now());
      this.#schedule();
    }, this.intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }
}

/** Memory, CPU and event-loop lag of this process, in base units, filled in at each scrape. */
export function registerProcessMetrics(reg: Registry, lag: LagSampler): void {
  const rss = reg.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  const heapUsed = reg.gauge("tacstream_heap_used_bytes", "JavaScript heap in use, bytes.");
  const heapTotal = reg.gauge("tacstream_heap_total_bytes", "JavaScript heap reserved, bytes.");
  const external = reg.gauge("tacstream_external_memory_bytes", "Memory of buffers outside the heap, bytes.");
  const cpu = reg.counter("process_cpu_seconds_total", "User and system CPU time spent, seconds.");
  const start = reg.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch.");
  const lagMax = reg.gauge(
    "tacstream_event_loop_lag_seconds",
    "Worst event-loop delay seen since the previous scrape, seconds.",
  );
  start.set(Math.round(performance.timeOrigin) / 1000);
  let cpuSeen = 0;
  reg.collect(() => {
    const m = process.memoryUsage();
    rss.set(m.rss);
    heapUsed.set(m.heapUsed);
    heapTotal.set(m.heapTotal);
    external.set(m.external);
    const u = process.cpuUsage();
    const secs = (u.user + u.system) / 1e6;
    if (secs > cpuSeen) cpu.inc(secs - cpuSeen);
    cpuSeen = Math.max(cpuSeen, secs);
    lagMax.set(lag.read().maxMs / 1000);
  });
}
