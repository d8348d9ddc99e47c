/** The clock and timers the scheduler runs on; injected so tests advance time instead of sleeping. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Pollers never keep a process alive on their own: the server does, while it serves.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface SchedulerOptions {
  timers?: Timers;
  random?: () => number;
  /** Each delay is the interval ± this fraction of it (default 0.1), so feeds never poll in lockstep. */
  jitter?: number;
  /** First polls are spread over [0, min(interval, this)) after start (default 5,000 ms). */
  startSpreadMs?: number;
}

interface Job {
  intervalMs: number;
  task: () => Promise<void>;
  timer: unknown;
  nextAt: number | undefined;
  running: Promise<void> | undefined;
}

/**
 * Runs each feed's poll every interval, with jitter, never two polls of one feed at once; a poll that
 * overruns its interval delays the next rather than piling up. A task's errors are its own business
 * (the poller records them); a rejection here is swallowed so one feed cannot stop the others.
 */
export class Scheduler {
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #jitter: number;
  readonly #spreadMs: number;
  readonly #jobs = new Map<string, Job>();
  #stopped = false;

  constructor(o: SchedulerOptions = {}) {
    this.#timers = o.timers ?? REAL_TIMERS;
    this.#random = o.random ?? Math.random;
    this.#jitter = o.jitter ?? 0.1;
    this.#spreadMs = o.startSpreadMs ?? 5_000;
  }

  add(id: string, intervalMs: number, task: () => Promise<void>): void {
    if (this.#jobs.has(id)) throw new Error(`job ${id} is already scheduled`);
    const job: Job = { intervalMs, task, timer: undefined, nextAt: undefined, running: undefined };
    this.#jobs.set(id, job);
    this.#arm(job, this.#random() * Math.min(intervalMs, this.#spreadMs));
  }

  /** When the job runs next (epoch ms), or undefined while it runs or once stopped. */
  nextAt(id: string): number | undefined {
    return this.#jobs.get(id)?.nextAt;
  }

  /** Runs the job now (or joins the run in progress); the next run is one interval after it ends. */
  runNow(id: string): Promise<void> {
    const job = this.#jobs.get(id);
    if (job === undefined) return Promise.reject(new Error(`no job ${id}`));
    return this.#run(job);
  }

  /** Cancels every timer and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const running: Promise<void>[] = [];
    for (const job of this.#jobs.values()) {
      if (job.timer !== undefined) this.#timers.clearTimeout(job.timer);
      job.timer = undefined;
      job.nextAt = undefined;
      if (job.running !== undefined) running.push(job.running);
    }
    await Promise.all(running);
  }

  /** The delay after a run: interval × (1 ± jitter). */
  delay(intervalMs: number): number {
    return Math.max(0, intervalMs * (1 + this.#jitter * (2 * this.#random() - 1)));
  }

  #arm(job: Job, delayMs: number): void {
    if (this.#stopped) return;
    if (job.timer !== undefined) this.#timers.clearTimeout(job.timer);
    job.nextAt = this.#timers.now() + delayMs;
    job.timer = this.#timers.setTimeout(() => {
      job.timer = undefined;
      void this.#run(job);
    }, delayMs);
  }

  #run(job: Job): Promise<void> {
    if (job.running !== undefined) return job.running;
    if (job.timer !== undefined) this.#timers.clearTimeout(job.timer);
    job.timer = undefined;
    job.nextAt = undefined;
    job.running = (async () => {
      try {
        await job.task();
      } catch {
        // The task records its own failures.
      } finally {
        job.running = undefined;
        this.#arm(job, this.delay(job.intervalMs));
      }
    })();
    return job.running;
  }
}
