/**
 * Fan-out: deliveries/s against the number of subscribers (1, 100, 1,000, and 10,000 idle + 100
 * active) under closed-loop load, tacstream and the bare Bun publish baseline in the same run.
 */

import { checkFanout, FANOUT_COLUMNS, fanoutRow, ratioRow, runPair } from "./latency.ts";
import { type BenchContext, describeOurs, startOurs, withTargets } from "./lib/context.ts";
import { fmt, type SuiteResult, type Table } from "./lib/results.ts";
import { type FanoutResult, runFanout } from "./lib/scenario.ts";

interface Step {
  subscribers: number;
  idle: number;
}

function steps(quick: boolean): Step[] {
  if (quick) {
    return [
      { subscribers: 1, idle: 0 },
      { subscribers: 50, idle: 0 },
      { subscribers: 10, idle: 500 },
    ];
  }
  return [
    { subscribers: 1, idle: 0 },
    { subscribers: 100, idle: 0 },
    { subscribers: 1000, idle: 0 },
    { subscribers: 100, idle: 10_000 },
  ];
}

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const failures: string[] = [];
  const table: Table = {
    title: `Fan-out at saturation (${describeOurs(ctx)} vs bare Bun publish), ms`,
    columns: FANOUT_COLUMNS,
    rows: [],
  };
  const data: Array<{ ours: FanoutResult; bare: FanoutResult }> = [];
  for (const st of steps(ctx.quick)) {
    const label =
      st.idle > 0 ? `${fmt(st.idle)} idle + ${st.subscribers} active` : `${fmt(st.subscribers)} subs`;
    // Fewer messages per second for many subscribers: the client process must keep up with the server.
    const batch = st.subscribers >= 100 ? 50 : 100;
    const spec = {
      label,
      build: ctx.build,
      subscribers: st.subscribers,
      idle: st.idle,
      protocol: "binary" as const,
      load: {
        kind: "max" as const,
        seconds: ctx.quick ? 1.5 : 8,
        batch,
        concurrency: st.subscribers >= 1000 ? 1 : 4,
      },
      warmupSeconds: ctx.quick ? 0.3 : 1,
    };
    const { ours: o, bare: b } = await runPair(ctx, spec, failures);
    table.rows.push(fanoutRow(o, "tacstream"), fanoutRow(b, "bare"), ratioRow(label, o, b));
    data.push({ ours: o, bare: b });
  }
  // The same load to subscribers of the `bench.*` pattern (the hub joins them to the feed's topics:
  // the publish path is the named one), beside named subscribers in the same run. The bare baseline
  // has no patterns, so these rows compare tacstream with itself.
  const n = ctx.quick ? 50 : 100;
  const patternSpec = (subscribe: string | undefined, label: string) => ({
    label,
    build: ctx.build,
    subscribers: n,
    idle: 0,
    protocol: "binary" as const,
    feed: "bench.p",
    ...(subscribe === undefined ? {} : { subscribe }),
    load: { kind: "max" as const, seconds: ctx.quick ? 1.5 : 8, batch: 50, concurrency: 4 },
    warmupSeconds: ctx.quick ? 0.3 : 1,
  });
  const pattern: Record<string, FanoutResult> = {};
  for (const [key, subscribe, label] of [
    ["named", undefined, `${n} subs named`],
    ["pattern", "bench.*", `${n} subs on bench.*`],
  ] as const) {
    const r = await withTargets(
      () => startOurs(ctx),
      (targets) => runFanout({ ...patternSpec(subscribe, label), targets }),
    );
    checkFanout(r, failures);
    pattern[key] = r;
    table.rows.push(fanoutRow(r, "tacstream"));
  }
  table.rows.push(
    ratioRow(`${n} subs`, pattern.pattern!, pattern.named!).map((c, i) =>
      i === 1 ? "ratio pattern/named" : c,
    ),
  );
  return {
    suite: "fanout",
    quick: ctx.quick,
    data: { steps: data, pattern },
    tables: [table],
    failures,
    notes: [],
  };
}
