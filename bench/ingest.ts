/**
 * Ingest: webhook throughput (single-message POSTs and batches of 1,000, closed loop) and request
 * latency at a fixed rate, tacstream (fsync always) against a bare `Bun.serve` handler that only
 * parses the JSON body and answers 202, in the same run. No subscribers.
 */
import { type BenchContext, describeOurs, startOurs, withTargets } from "./lib/context.ts";
import { percentiles } from "./lib/hdr.ts";
import { fixedRate, type LoadResult, maxRate } from "./lib/load.ts";
import { startTarget, type Target } from "./lib/procs.ts";
import { progress } from "./lib/progress.ts";
import { fmt, ms, ratio, type SuiteResult, type Table } from "./lib/results.ts";

type Test = { label: string; run: (t: Target[]) => Promise<LoadResult> };

function tests(quick: boolean): Test[] {
  const secs = quick ? 1.5 : 8;
  const urls = (t: Target[]) => t.map((x) => x.url);
  return [
    {
      label: "single POSTs, closed loop",
      run: (t) =>
        maxRate({ urls: urls(t), feed: "ingest", seconds: secs, batch: 1, concurrency: quick ? 16 : 32 }),
    },
    {
      label: "batches of 1,000, closed loop",
      run: (t) => maxRate({ urls: urls(t), feed: "ingest", seconds: secs, batch: 1000, concurrency: 4 }),
    },
    {
      label: `single POSTs at ${quick ? "500" : "2,000"} req/s`,
      run: (t) =>
        fixedRate({
          urls: urls(t),
          feed: "ingest",
          rate: quick ? 500 : 2000,
          seconds: secs,
          batch: 1,
          onTick: (k, n) => progress.update(`fixed-rate ingest: ${Math.round((100 * k) / n)} %`),
        }),
    },
  ];
}

interface Row {
  test: string;
  server: string;
  reqPerSec: number;
  msgPerSec: number;
  latency: ReturnType<typeof percentiles>;
  errors: number;
  statuses: Record<string, number>;
}

function row(test: string, server: string, r: LoadResult): Row {
  return {
    test,
    server,
    reqPerSec: Math.round(r.requests / r.seconds),
    msgPerSec: Math.round(r.acked / r.seconds),
    latency: percentiles(r.ingest),
    errors: r.errors,
    statuses: r.statuses,
  };
}

const cells = (r: Row) => [
  r.test,
  r.server,
  fmt(r.reqPerSec),
  fmt(r.msgPerSec),
  ms(r.latency.p50),
  ms(r.latency.p99),
  ms(r.latency.p999),
  fmt(r.errors),
];

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const failures: string[] = [];
  const notes: string[] = [];
  const table: Table = {
    title: `Webhook ingest (${describeOurs(ctx)} vs bare Bun.serve JSON handler), latency ms`,
    columns: ["test", "server", "req/s", "msg/s", "p50", "p99", "p99.9", "errors"],
    rows: [],
  };
  const rows: Row[] = [];
  for (const t of tests(ctx.quick)) {
    progress.update(`ingest: ${t.label}`);
    // A short warm-up on each server (JIT, connection pool), not measured.
    const warm = (targets: Target[]) =>
      maxRate({
        urls: targets.map((x) => x.url),
        feed: "warm",
        seconds: ctx.quick ? 0.2 : 1,
        batch: 1,
        concurrency: 8,
      });
    const o = await withTargets(
      () => startOurs(ctx),
      async (x) => {
        await warm(x);
        return t.run(x);
      },
    );
    const b = await withTargets(
      async () => [await startTarget("bare", { bareMode: "json" })],
      async (x) => {
        await warm(x);
        return t.run(x);
      },
    );
    progress.clear();
    const ro = row(t.label, "tacstream", o);
    const rb = row(t.label, "bare", b);
    rows.push(ro, rb);
    table.rows.push(cells(ro), cells(rb), [
      t.label,
      "ratio ours/bare",
      ratio(ro.reqPerSec, rb.reqPerSec),
      ratio(ro.msgPerSec, rb.msgPerSec),
      ratio(ro.latency.p50, rb.latency.p50),
      ratio(ro.latency.p99, rb.latency.p99),
      ratio(ro.latency.p999, rb.latency.p999),
      "",
    ]);
    for (const r of [ro, rb]) {
      if (r.errors > 0)
        failures.push(`${t.label} on ${r.server}: ${r.errors} failed requests ${JSON.stringify(r.statuses)}`);
    }
  }
  const single = rows.filter((r) => r.test.startsWith("single POSTs, closed"));
  const [so, sb] = [single.find((r) => r.server === "tacstream"), single.find((r) => r.server === "bare")];
  if (so && sb && so.reqPerSec < 0.5 * sb.reqPerSec) {
    notes.push(`single POSTs at ${ratio(so.reqPerSec, sb.reqPerSec)} of bare: below the 50 % target`);
  }
  const batched = rows.find((r) => r.test.startsWith("batches") && r.server === "tacstream");
  if (batched && batched.msgPerSec < 200_000)
    notes.push(`batched ingest ${fmt(batched.msgPerSec)} msg/s: below the 200k target`);
  return { suite: "ingest", quick: ctx.quick, data: { rows }, tables: [table], failures, notes };
}
