import { type Subprocess, spawn } from "bun";
import { pumpLines as pump } from "../../test/helpers/server.ts";
import { decodeHistogram, type Histogram, newHistogram } from "./hdr.ts";
import type { NodeBuild } from "./node-build.ts";
import { rssOf } from "./procs.ts";

export type SubProtocol = "binary" | "json" | "socketio";

export interface SubscriberSpec {
  targets: Array<{ host: string; port: number }>;
  conns: number;
  feed: string;
  protocol: SubProtocol;
  record: boolean;
  /** A subscription op entry (a pattern) sent after the upgrade instead of `?feeds=`. */
  subscribe?: string;
}

export interface SubscriberReport {
  received: number;
  closed: number;
  closeCodes: Record<string, number>;
  hist: Histogram;
  rss: number;
}

/** Parent side of one subscriber process (bench/clients/subscriber.ts on Node). */
export class SubscriberProcess {
  readonly #proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly #waiters: Array<(rec: Record<string, unknown>) => void> = [];
  readonly stderr: string[] = [];
  /** Data messages received since the last reset, over all connections (updated every ~10 ms). */
  received = 0;

  private constructor(proc: Subprocess<"pipe", "pipe", "pipe">) {
    this.#proc = proc;
    void pump(proc.stdout, (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.event === "progress") {
        this.received = Number(rec.received);
        return;
      }
      if (rec.event === "reset") this.received = 0;
      this.#waiters.shift()?.(rec);
    });
    void pump(proc.stderr, (l) => {
      if (l.trim() !== "") this.stderr.push(l);
    });
  }

  get pid(): number {
    return this.#proc.pid;
  }

  /** Spawns the process and resolves once every connection is open and subscribed. */
  static async start(build: NodeBuild, spec: SubscriberSpec, timeoutMs = 60_000): Promise<SubscriberProcess> {
    const proc = spawn(["node", build.path("subscriber"), JSON.stringify(spec)], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const sp = new SubscriberProcess(proc);
    const rec = await sp.#next(timeoutMs, "open the connections");
    if (rec.event !== "ready") {
      await sp.stop();
      throw new Error(`subscriber failed: ${String(rec.message)} ${sp.stderr.join("\n")}`);
    }
    return sp;
  }

  rss(): number {
    return rssOf(this.#proc.pid);
  }

  async reset(): Promise<void> {
    this.#send({ cmd: "reset" });
    await this.#next(10_000, "reset");
  }

  /** Resolves when `count` data messages arrived since the last reset, or after `timeoutMs`. */
  async waitFor(count: number, timeoutMs: number): Promise<SubscriberReport> {
    this.#send({ cmd: "wait", count, timeoutMs });
    return this.#report(await this.#next(timeoutMs + 10_000, "wait"));
  }

  async report(): Promise<SubscriberReport> {
    this.#send({ cmd: "report" });
    return this.#report(await this.#next(10_000, "report"));
  }

  async stop(): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    try {
      this.#send({ cmd: "exit" });
    } catch {
      // stdin already closed: the kill below ends it.
    }
    const killer = setTimeout(() => this.#proc.kill("SIGKILL"), 3_000);
    await this.#proc.exited;
    clearTimeout(killer);
  }

  #send(cmd: unknown): void {
    this.#proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    this.#proc.stdin.flush();
  }

  #report(rec: Record<string, unknown>): SubscriberReport {
    return {
      received: Number(rec.received ?? 0),
      closed: Number(rec.closed ?? 0),
      closeCodes: (rec.closeCodes as Record<string, number>) ?? {},
      hist: typeof rec.hist === "string" ? decodeHistogram(rec.hist) : newHistogram(),
      rss: Number(rec.rss ?? 0),
    };
  }

  #next(timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`subscriber did not ${what} within ${timeoutMs} ms: ${this.stderr.join("\n")}`));
      }, timeoutMs);
      const done = (rec: Record<string, unknown>) => {
        clearTimeout(timer);
        resolve(rec);
      };
      this.#waiters.push(done);
      void this.#proc.exited.then((code) => {
        if (this.#waiters.includes(done)) {
          this.#waiters.splice(this.#waiters.indexOf(done), 1);
          clearTimeout(timer);
          reject(new Error(`subscriber exited (${code}) before it could ${what}: ${this.stderr.join("\n")}`));
        }
      });
    });
  }
}
