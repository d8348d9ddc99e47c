/**
 * Tail: the fixed-rate fan-out scenarios run again and again, tacstream and the bare `Bun.serve`
 * baseline back to back each time, so the claim is about every run and not the best one (issue 15:
 * "no run in ten with a p99 over 5× bare"). `npm run bench -- --only=tail` (10 runs of 4 s each per
 * scenario, about five minutes); not part of the default suites. `--quick`: 3 runs of 1 s.
 *
 * Both servers are started once per scenario and run a long warm-up first (20 s of the same load), so
 * the runs measure a server in its steady state, as a node is after its first minute. A cold server
 * is another figure: on one core, JavaScriptCore's optimizing compiler shares the core with the event
 * loop, and its compiles of tacstream's hot functions (10–40 ms each for the largest, about 300 ms of
 * compiler CPU in the first 10 s against 30 for the bare server, still 10–30 ms a second after 12 s,
 * settled after about 30 s) stall the loop; a run that starts cold measures mostly that.
 */

import { checkFanout, cpuCell, stealCell } from "./latency.ts";
import { type BenchContext, startOurs, stopAll } from "./lib/context.ts";
import { startTarget } from "./lib/procs.ts";
import { fmt, ms, ratio, type SuiteResult, type Table } from "./lib/results.ts";
import { type FanoutResult, runFanout } from "./lib/scenario.ts";

interface Run {
  ours: FanoutResult;
  bare: FanoutResult;
}

/** The first run's warm-up, per server: long enough for the optimizing compiler to settle (see above). */
const WARM_UP_SECONDS = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A run is quiet when neither server's CPU lost more than this share to the hypervisor (steal.ts). */
const QUIET_STEAL = 0.01;

const isQuiet = (r: Run) =>
  r.ours.serverSteal !== null &&
  r.bare.serverSteal !== null &&
  r.ours.serverSteal < QUIET_STEAL &&
  r.bare.serverSteal < QUIET_STEAL;

const quietRatios = (all: Run[]) => all.filter(isQuiet).map((r) => r.ours.e2e.p99 / r.bare.e2e.p99);

/** Medians of `runs` (every run, or the quiet ones) as a table row; blank when there is none. */
function medianRow(label: string, runs: Run[]): (string | number)[] {
  if (runs.length === 0) return [label, "", "", "", "", "", "", "", ""];
  const ratios = runs.map((r) => r.ours.e2e.p99 / r.bare.e2e.p99);
  return [
    label,
    ms(median(runs.map((r) => r.ours.e2e.p50))),
    ms(median(runs.map((r) => r.ours.e2e.p99))),
    ms(median(runs.map((r) => r.bare.e2e.p50))),
    ms(median(runs.map((r) => r.bare.e2e.p99))),
    `${median(ratios).toFixed(2)}×`,
    "",
    "",
    "",
  ];
}

/**
 * The same medians over the quiet runs only, beside (never instead of) the medians of every run: on a
 * shared host a steal slice on the server's core moves a 4 s run's p99 by tens of milliseconds.
 */
function quietRow(all: Run[]): (string | number)[] {
  const quiet = all.filter(isQuiet);
  return medianRow(`median of the ${quiet.length} quiet runs (steal < ${QUIET_STEAL * 100} %)`, quiet);
}

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const runs = ctx.quick ? 3 : 10;
  const seconds = ctx.quick ? 1 : 4;
  const rate = ctx.quick ? 2000 : 10_000;
  const failures: string[] = [];
  const tables: Table[] = [];
  const data: Record<string, unknown> = {};
  for (const subscribers of [10, 100]) {
    const label = `${fmt(rate)} msg/s, ${subscribers} subs`;
    const all: Run[] = [];
    const oursTargets = await startOurs(ctx);
    const bareTargets = [await startTarget("bare")];
    try {
      for (let k = 0; k < runs; k++) {
        const spec = {
          label,
          build: ctx.build,
          subscribers,
          protocol: "binary" as const,
          load: { kind: "rate" as const, rate, seconds, batch: 100 },
          warmupSeconds: ctx.quick ? 0.3 : k === 0 ? WARM_UP_SECONDS : 1,
        };
        const peer = ctx.natsCpuMs === undefined ? {} : { peerCpuMs: ctx.natsCpuMs };
        const ours = await runFanout({ ...spec, ...peer, targets: oursTargets });
        const bare = await runFanout({ ...spec, targets: bareTargets });
        checkFanout(ours, failures);
        checkFanout(bare, failures);
        all.push({ ours, bare });
      }
    } finally {
      // Separately: stopping our targets also deletes their JetStream stream (keyed on that array).
      await stopAll(oursTargets);
      await stopAll(bareTargets);
    }
    const ratios = all.map((r) => r.ours.e2e.p99 / r.bare.e2e.p99);
    const over5 = ratios.filter((x) => x > 5).length;
    tables.push({
      title: `${label}, ${runs} runs of ${seconds} s on warm servers: p99 per run, ms (tacstream vs bare, same run)`,
      columns: [
        "run",
        "tacstream p50",
        "tacstream p99",
        "bare p50",
        "bare p99",
        "p99 ours/bare",
        "loss",
        "CPU µs/msg ours / bare",
        "steal ours / bare",
      ],
      rows: [
        ...all.map((r, k) => [
          k + 1,
          ms(r.ours.e2e.p50),
          ms(r.ours.e2e.p99),
          ms(r.bare.e2e.p50),
          ms(r.bare.e2e.p99),
          ratio(r.ours.e2e.p99, r.bare.e2e.p99),
          r.ours.loss + r.bare.loss,
          `${cpuCell(r.ours)} / ${fmt(r.bare.cpuPerMessageUs, 1)}`,
          `${stealCell(r.ours)} / ${stealCell(r.bare)}`,
        ]),
        medianRow("median", all),
        ["worst ratio", "", "", "", "", `${Math.max(...ratios).toFixed(2)}× (${over5} over 5×)`, "", "", ""],
        quietRow(all),
      ],
    });
    data[`subs${subscribers}`] = { runs: all, ratios, over5, quiet: quietRatios(all) };
  }
  const notes: string[] = [];
  for (const [key, d] of Object.entries(data) as [string, { runs: Run[] }][]) {
    const contended = d.runs.filter((r) =>
      [r.ours.serverSteal, r.bare.serverSteal].some((x) => x !== null && x >= QUIET_STEAL),
    ).length;
    if (contended > 0)
      notes.push(
        `${key}: ${contended} of ${d.runs.length} runs had steal ≥ ${QUIET_STEAL * 100} % on a server's CPU (the host was busy): compare the quiet runs' row`,
      );
  }
  return { suite: "tail", quick: ctx.quick, data, tables, failures, notes };
}
