import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NodeBuild } from "./node-build.ts";
import { startTarget, type Target } from "./procs.ts";

export interface BenchContext {
  quick: boolean;
  build: NodeBuild;
  journal: "embedded" | "jetstream";
  nodes: number;
  /** Set when the journal is JetStream: the temporary nats-server of this run. */
  natsUrl?: string;
  /** Set when the journal is JetStream: CPU time nats-server used so far, ms. */
  natsCpuMs?: () => number;
}

let streamNo = 0;
/** What to do once a group of targets stopped (delete its JetStream stream). */
const cleanups = new WeakMap<Target[], () => Promise<void>>();

/** Streams capture `feeds.>`, so two cannot coexist: each scenario's stream is deleted after it. */
async function deleteStream(url: string, name: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    await (await jetstreamManager(nc)).streams.delete(name);
  } catch {
    // Never created (the node failed to start): nothing to delete.
  } finally {
    await nc.close();
  }
}

/**
 * Starts tacstream as configured for this run: one node on the embedded journal, or `nodes` nodes
 * sharing one JetStream stream (a fresh stream per call, so no scenario sees another's history).
 */
export async function startOurs(ctx: BenchContext, env: Record<string, string> = {}): Promise<Target[]> {
  if (ctx.journal === "embedded") return [await startTarget("tacstream", { env })];
  const stream = `BENCH_${process.pid}_${++streamNo}`;
  const shared = { ...env, NATS_URL: ctx.natsUrl!, NATS_STREAM: stream };
  const nodes: Target[] = [];
  cleanups.set(nodes, () => deleteStream(ctx.natsUrl!, stream));
  try {
    for (let i = 0; i < ctx.nodes; i++) nodes.push(await startTarget("tacstream", { env: shared }));
  } catch (err) {
    await stopAll(nodes);
    throw err;
  }
  return nodes;
}

export async function stopAll(targets: Target[]): Promise<void> {
  await Promise.all(targets.map((t) => t.stop()));
  await cleanups.get(targets)?.();
}

/** Runs `fn` with fresh targets and always stops them. */
export async function withTargets<T>(
  start: () => Promise<Target[]>,
  fn: (t: Target[]) => Promise<T>,
): Promise<T> {
  const targets = await start();
  try {
    return await fn(targets);
  } finally {
    await stopAll(targets);
  }
}

export const describeOurs = (ctx: BenchContext) =>
  ctx.journal === "embedded"
    ? "tacstream (embedded, fsync always)"
    : `tacstream (JetStream, ${ctx.nodes} node${ctx.nodes > 1 ? "s" : ""})`;
