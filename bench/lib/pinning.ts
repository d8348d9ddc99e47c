import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

/**
 * One-core mode: the server under test runs on CPU 0 alone and everything else of the run (this
 * runner, the load generator, the subscriber processes, nats-server) on the other CPUs. A Fly.io small
 * machine has one vCPU, so what a node holds on one core is the figure that matters; and with the
 * clients off the server's core, they no longer steal its time (which is what made 2-core figures move
 * by ±30 %). Needs ≥ 2 CPUs and `taskset` (util-linux); otherwise nothing is pinned, and the output says so.
 */
export interface Pinning {
  /** Prefix for a server command: `taskset -c 0`, or nothing when not pinned. */
  readonly server: string[];
  /** What the run's output and JSON say about it. */
  readonly description: string;
  readonly pinned: boolean;
  /** The `/proc/stat` line of the server's CPU(s): `cpu0` when pinned, `cpu` (all) when not. */
  readonly statLine: string;
}

const SERVER_CPU = "0";

function tasksetPath(): string | null {
  const r = spawnSync("taskset", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? "taskset" : null;
}

/**
 * Decides the pinning and, when pinned, moves this process (all its threads, so its future children
 * too) to the client CPUs. `wanted` false (the `--no-pin` flag) keeps the old shared-cores layout.
 */
export function setUpPinning(wanted: boolean): Pinning {
  const cpus = availableParallelism();
  if (!wanted) return off(`not pinned (--no-pin): server and clients share ${cpus} CPUs`);
  if (cpus < 2) return off(`not pinned: ${cpus} CPU`);
  const taskset = tasksetPath();
  if (taskset === null) return off("not pinned: taskset not found");
  const clients = cpus === 2 ? "1" : `1-${cpus - 1}`;
  const r = spawnSync(taskset, ["-a", "-p", "-c", clients, String(process.pid)], { encoding: "utf8" });
  if (r.status !== 0) return off(`not pinned: taskset failed (${(r.stderr ?? "").trim()})`);
  return {
    server: [taskset, "-c", SERVER_CPU],
    pinned: true,
    statLine: `cpu${SERVER_CPU}`,
    description: `one core: server under test pinned to CPU ${SERVER_CPU} (taskset -c ${SERVER_CPU}), load generator and subscribers on CPU ${clients}`,
  };
}

function off(description: string): Pinning {
  return { server: [], pinned: false, description, statLine: "cpu" };
}

let current: Pinning = off("not pinned");

/** The run's pinning, set once by bench/run.ts before any server starts. */
export function pinning(): Pinning {
  return current;
}

export function usePinning(p: Pinning): void {
  current = p;
}
