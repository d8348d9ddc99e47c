import { type Histogram, newHistogram, type Percentiles, percentileCurve, percentiles } from "./hdr.ts";
import { fixedRate, type LoadResult, maxRate } from "./load.ts";
import type { NodeBuild } from "./node-build.ts";
import { pinning } from "./pinning.ts";
import type { Target } from "./procs.ts";
import { progress } from "./progress.ts";
import { measureSteal } from "./steal.ts";
import { type SubProtocol, SubscriberProcess } from "./subscribers.ts";

/** One connection-holding process keeps well under `ulimit -n` (20,000 here). */
const MAX_CONNS_PER_PROCESS = 9_000;

export type Load =
  | { kind: "rate"; rate: number; seconds: number; batch: number }
  | { kind: "max"; seconds: number; batch: number; concurrency: number };

export interface FanoutSpec {
  label: string;
  targets: Target[];
  build: NodeBuild;
  subscribers: number;
  protocol: SubProtocol;
  /** Extra connections subscribed to another feed: they cost memory and nothing else. */
  idle?: number;
  load: Load;
  /** A short load before the measured one (JIT, connection pools); its deliveries are not counted. */
  warmupSeconds?: number;
  feed?: string;
  /** Active subscribers subscribe with this pattern (e.g. `bench.*`) instead of naming `feed`. */
  subscribe?: string;
  /** CPU time (ms) of a process the targets depend on (nats-server), counted apart from theirs. */
  peerCpuMs?: () => number;
}

export interface FanoutResult {
  label: string;
  target: string;
  nodes: number;
  subscribers: number;
  idle: number;
  protocol: SubProtocol;
  load: Load;
  /** Messages acknowledged (202). */
  acked: number;
  /** Deliveries expected: acked × subscribers. */
  expected: number;
  received: number;
  /** expected − received: must be 0. */
  loss: number;
  errors: number;
  deliveriesPerSec: number;
  messagesPerSec: number;
  e2e: Percentiles;
  ingest: Percentiles;
  curve: Array<[number, number]>;
  serverRssBytes: number;
  /** CPU time of the server process(es) during the measured load and its last deliveries, ms. */
  serverCpuMs: number;
  /** serverCpuMs per acknowledged message, µs: what a message costs the server's core. */
  cpuPerMessageUs: number;
  /** The same for `peerCpuMs` (nats-server), µs per message; 0 when there is none. */
  peerCpuPerMessageUs: number;
  /** Steal time on the server's CPU during the measured load (0..1; null where unknown): see steal.ts. */
  serverSteal: number | null;
  closeCodes: Record<string, number>;
  problems: string[];
}

/** Undelivered messages per subscriber a saturation run allows: the pipe stays full, buffers bounded. */
function windowFor(subscribers: number): number {
  return Math.max(200, Math.min(10_000, Math.round(200_000 / subscribers)));
}

function runLoad(
  spec: FanoutSpec,
  load: Load,
  feed: string,
  label: string,
  delivered: () => number,
): Promise<LoadResult> {
  const urls = spec.targets.map((t) => t.url);
  if (load.kind === "rate") {
    return fixedRate({
      urls,
      feed,
      rate: load.rate,
      seconds: load.seconds,
      batch: load.batch,
      onTick: (k, n) => progress.update(`${label}: ${Math.round((100 * k) / n)} %`),
    });
  }
  const stop = progress.countdown(label, load.seconds);
  return maxRate({
    urls,
    feed,
    seconds: load.seconds,
    batch: load.batch,
    concurrency: load.concurrency,
    delivered,
    window: windowFor(spec.subscribers),
  }).finally(stop);
}

/** Subscribers in their own Node processes, load from this process, latency from the intended time. */
export async function runFanout(spec: FanoutSpec): Promise<FanoutResult> {
  const feed = spec.feed ?? "bench";
  const targets = spec.targets.map((t) => ({ host: t.host, port: t.port }));
  const active: SubscriberProcess[] = [];
  const idle: SubscriberProcess[] = [];
  try {
    progress.update(`${spec.label}: opening ${spec.subscribers + (spec.idle ?? 0)} connections`);
    for (let left = spec.idle ?? 0; left > 0; left -= MAX_CONNS_PER_PROCESS) {
      const conns = Math.min(left, MAX_CONNS_PER_PROCESS);
      idle.push(
        await SubscriberProcess.start(spec.build, {
          targets,
          conns,
          feed: "idle",
          protocol: spec.protocol,
          record: false,
        }),
      );
    }
    for (let left = spec.subscribers; left > 0; left -= MAX_CONNS_PER_PROCESS) {
      const conns = Math.min(left, MAX_CONNS_PER_PROCESS);
      active.push(
        await SubscriberProcess.start(spec.build, {
          targets,
          conns,
          feed,
          protocol: spec.protocol,
          record: true,
          ...(spec.subscribe === undefined ? {} : { subscribe: spec.subscribe }),
        }),
      );
    }
    const connsOf = (i: number) =>
      Math.min(MAX_CONNS_PER_PROCESS, spec.subscribers - i * MAX_CONNS_PER_PROCESS);
    // Per subscriber, as seen by the slowest process (connections of one process advance together).
    const delivered = () => Math.min(...active.map((p, i) => p.received / connsOf(i)));

    if ((spec.warmupSeconds ?? 0) > 0) {
      const warm: Load = { ...spec.load, seconds: spec.warmupSeconds! };
      const w = await runLoad(spec, warm, feed, `${spec.label} warm-up`, delivered);
      await Promise.all(active.map((p, i) => p.waitFor(w.acked * connsOf(i), 10_000)));
      await Promise.all(active.map((p) => p.reset()));
    }

    const cpu0 = spec.targets.reduce((s, t) => s + t.cpuMs(), 0);
    const peer0 = spec.peerCpuMs?.() ?? 0;
    const steal = measureSteal(pinning().statLine);
    const t0 = performance.now();
    const load = await runLoad(spec, spec.load, feed, spec.label, delivered);
    progress.update(`${spec.label}: waiting for the last deliveries`);
    const reports = await Promise.all(active.map((p, i) => p.waitFor(load.acked * connsOf(i), 15_000)));
    const elapsed = (performance.now() - t0) / 1000;
    const serverCpuMs = spec.targets.reduce((s, t) => s + t.cpuMs(), 0) - cpu0;
    const peerCpuMs = (spec.peerCpuMs?.() ?? 0) - peer0;
    const serverSteal = steal();
    progress.clear();

    const hist: Histogram = newHistogram();
    let received = 0;
    const closeCodes: Record<string, number> = {};
    for (const r of reports) {
      hist.add(r.hist);
      received += r.received;
      for (const [k, v] of Object.entries(r.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
    }
    const expected = load.acked * spec.subscribers;
    return {
      label: spec.label,
      target: spec.targets[0]!.kind,
      nodes: spec.targets.length,
      subscribers: spec.subscribers,
      idle: spec.idle ?? 0,
      protocol: spec.protocol,
      load: spec.load,
      acked: load.acked,
      expected,
      received,
      loss: expected - received,
      errors: load.errors,
      deliveriesPerSec: Math.round(received / elapsed),
      messagesPerSec: Math.round(load.acked / load.seconds),
      e2e: percentiles(hist),
      ingest: percentiles(load.ingest),
      curve: percentileCurve(hist),
      serverRssBytes: spec.targets.reduce((s, t) => s + t.rss(), 0),
      serverCpuMs,
      cpuPerMessageUs: load.acked > 0 ? (serverCpuMs * 1000) / load.acked : 0,
      peerCpuPerMessageUs: load.acked > 0 ? (peerCpuMs * 1000) / load.acked : 0,
      serverSteal,
      closeCodes,
      problems: spec.targets.flatMap((t) => t.problems),
    };
  } finally {
    progress.clear();
    await Promise.all([...active, ...idle].map((p) => p.stop()));
  }
}
