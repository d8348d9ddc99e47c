/**
 * Peers: the same fan-out against tacstream, the bare Bun publish baseline, plain `ws` broadcast on
 * Node and socket.io on Node (its own client, WebSocket transport). A fixed-rate phase gives latency
 * percentiles and loss; a saturation phase (closed loop with end-to-end flow control) gives the
 * deliveries/s each sustains.
 */

import { checkFanout } from "./latency.ts";
import { type BenchContext, describeOurs, startOurs, withTargets } from "./lib/context.ts";
import { startTarget, type Target, type TargetKind } from "./lib/procs.ts";
import { fmt, ms, ratio, type SuiteResult, type Table } from "./lib/results.ts";
import { type FanoutResult, type Load, runFanout } from "./lib/scenario.ts";

const PEERS: Array<{ kind: TargetKind; name: string }> = [
  { kind: "tacstream", name: "tacstream" },
  { kind: "bare", name: "bare Bun publish" },
  { kind: "ws", name: "ws broadcast (Node)" },
  { kind: "socketio", name: "socket.io (Node)" },
];

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const failures: string[] = [];
  const notes: string[] = [];
  const subscribers = ctx.quick ? 10 : 100;
  const rate: Load = {
    kind: "rate",
    rate: ctx.quick ? 1000 : 2000,
    seconds: ctx.quick ? 1.5 : 8,
    batch: 100,
  };
  const max: Load = { kind: "max", seconds: ctx.quick ? 1.5 : 8, batch: 100, concurrency: 4 };
  const results: Array<{ name: string; fixed: FanoutResult; saturated: FanoutResult }> = [];
  for (const p of PEERS) {
    const start = async (): Promise<Target[]> =>
      p.kind === "tacstream" ? startOurs(ctx) : [await startTarget(p.kind, { build: ctx.build })];
    const spec = {
      build: ctx.build,
      subscribers,
      protocol: p.kind === "socketio" ? ("socketio" as const) : ("binary" as const),
      warmupSeconds: ctx.quick ? 0.3 : 1,
    };
    const fixed = await withTargets(start, (targets) =>
      runFanout({ ...spec, label: `${p.name}, fixed rate`, targets, load: rate }),
    );
    const saturated = await withTargets(start, (targets) =>
      runFanout({ ...spec, label: `${p.name}, saturation`, targets, load: max }),
    );
    // Only our own server (and the baseline it is measured against) can fail the run.
    if (p.kind === "tacstream" || p.kind === "bare") {
      checkFanout(fixed, failures);
      checkFanout(saturated, failures);
    } else {
      for (const r of [fixed, saturated]) {
        if (r.loss !== 0)
          notes.push(`${r.label}: ${fmt(r.loss)} of ${fmt(r.expected)} deliveries missing after 15 s`);
      }
    }
    results.push({ name: p.name, fixed, saturated });
  }
  const ours = results[0]!;
  const table: Table = {
    title: `Peers: ${subscribers} subscribers; fixed rate ${fmt((rate as { rate: number }).rate)} msg/s, then saturation (${describeOurs(ctx)})`,
    columns: [
      "server",
      "p50",
      "p99",
      "p99.9",
      "loss",
      "saturated deliveries/s",
      "saturated p99",
      "ours ÷ peer (deliveries/s)",
      "peer p99 ÷ ours",
    ],
    rows: results.map((r) => [
      r.name,
      ms(r.fixed.e2e.p50),
      ms(r.fixed.e2e.p99),
      ms(r.fixed.e2e.p999),
      fmt(r.fixed.loss),
      fmt(r.saturated.deliveriesPerSec),
      ms(r.saturated.e2e.p99),
      r === ours ? "" : ratio(ours.saturated.deliveriesPerSec, r.saturated.deliveriesPerSec),
      r === ours ? "" : ratio(r.fixed.e2e.p99, ours.fixed.e2e.p99),
    ]),
  };
  return {
    suite: "peers",
    quick: ctx.quick,
    data: { subscribers, results },
    tables: [table],
    failures,
    notes,
  };
}
