import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { pumpLines as pump } from "../../test/helpers/server.ts";
import type { NodeBuild } from "./node-build.ts";
import { pinning } from "./pinning.ts";

export const ROOT = join(import.meta.dir, "..", "..");

export type TargetKind = "tacstream" | "bare" | "ws" | "socketio";

export interface Target {
  readonly kind: TargetKind;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Error log lines (or any stderr) seen so far: a benchmark that saw any reports it. */
  readonly problems: string[];
  /** Resident memory of the server process, bytes (Linux /proc). */
  rss(): number;
  /** CPU time (user + system) the server process used so far, ms (Linux /proc; 0 elsewhere). */
  cpuMs(): number;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** tacstream only: extra environment (JOURNAL_FSYNC, NATS_URL, …). */
  env?: Record<string, string>;
  /** bare only: "publish" (parse, encode, publish) or "json" (parse and answer: the ingest baseline). */
  bareMode?: "publish" | "json";
  build?: NodeBuild;
  timeoutMs?: number;
}

/** Reads VmRSS of a process in bytes; 0 where /proc is not available. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** utime + stime of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms on Linux). */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The server's command, behind `taskset -c 0` in one-core mode (taskset execs it: same pid). */
function command(kind: TargetKind, opts: TargetOptions): string[] {
  return [...pinning().server, ...program(kind, opts)];
}

function program(kind: TargetKind, opts: TargetOptions): string[] {
  switch (kind) {
    case "tacstream":
      return [process.execPath, join(ROOT, "src/runtime/bun.ts")];
    case "bare":
      return [process.execPath, join(ROOT, "bench/baselines/bare-publish.ts")];
    case "ws":
    case "socketio": {
      if (opts.build === undefined) throw new Error(`${kind} needs the Node build`);
      return ["node", opts.build.path(kind === "ws" ? "wsBroadcast" : "socketioBroadcast")];
    }
  }
}

/**
 * Starts one server under test as a child process on a free port and resolves once it logged `ready`
 * (every target prints the JSON lines tacstream prints: `listening` with the port, then `ready`).
 */
export async function startTarget(kind: TargetKind, opts: TargetOptions = {}): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), "tacstream-bench-"));
  const proc: Subprocess<"ignore", "pipe", "pipe"> = spawn(command(kind, opts), {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      HEARTBEAT_INTERVAL_MS: "600000",
      // One client address opens every test connection: the per-IP admission limit would refuse them.
      CONNECTIONS_PER_IP_PER_SECOND: "1000000",
      BARE_MODE: opts.bareMode ?? "publish",
      ...opts.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const problems: string[] = [];
  void pump(proc.stderr, (l) => {
    if (l.trim() !== "" && !/engine|ExperimentalWarning|--trace-warnings/i.test(l))
      problems.push(`stderr: ${l}`);
  });
  let port = 0;
  let ready = false;
  const host = "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    // A server that never got ready is killed: left running (as it once was, for over an hour, pinned to
    // the server's core and retrying its NATS connection) it sits under every later measurement.
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${kind} did not start: ${problems.join("\n")}`));
    }, opts.timeoutMs ?? 20_000);
    void pump(proc.stdout, (line) => {
      let rec: { msg?: string; port?: number; level?: string };
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof rec.port === "number" && rec.port > 0) port = rec.port;
      // Errors only: warnings such as "auth disabled" are expected on a bench server.
      if (rec.level === "error") problems.push(line);
      if (rec.msg === "ready" && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    });
    void proc.exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${kind} exited with ${code}: ${problems.join("\n")}`));
    });
  });
  return {
    kind,
    host,
    port,
    url: `http://${host}:${port}`,
    pid: proc.pid,
    problems,
    rss: () => rssOf(proc.pid),
    cpuMs: () => cpuMsOf(proc.pid),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const killer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
        await proc.exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
