/**
 * Ingest: webhook throughput (single-message POSTs at 32 and 64 concurrent publishers, batches of 100,
 * closed loop) and request latency at a fixed rate, tacstream (fsync always) against a bare `Bun.serve`
 * handler that only parses the JSON body and answers 202, in the same run. No subscribers. For
 * tacstream the table also shows the mean commit group (records per fsync group, from /metrics): group
 * commit is what lets fsync-before-202 keep up, and the group grows with the number of publishers.
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
    ...(quick ? [16] : [32, 64]).map((concurrency) => ({
      label: `single POSTs, ${concurrency} publishers`,
      run: (t: Target[]) => maxRate({ urls: urls(t), feed: "ingest", seconds: secs, batch: 1, concurrency }),
    })),
    {
      label: "batches of 100, 4 publishers",
      run: (t) => maxRate({ urls: urls(t), feed: "ingest", seconds: secs, batch: 100, concurrency: 4 }),
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
  /** Mean records per commit group (tacstream on the embedded journal only). */
  group?: number;
}

function row(test: string, server: string, r: LoadResult, group?: number): Row {
  return {
    ...(group === undefined ? {} : { group }),
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
  r.group === undefined ? "" : r.group.toFixed(1),
  fmt(r.errors),
];

/** The embedded journal's record and group counters summed over the targets (absent on JetStream). */
async function journalCounts(targets: Target[]): Promise<{ records: number; groups: number } | undefined> {
  let records = 0;
  let groups = 0;
  for (const t of targets) {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    records += value("tacstream_journal_records_total");
    groups += value("tacstream_journal_commit_groups_total");
  }
  return Number.isFinite(records) && Number.isFinite(groups) ? { records, groups } : undefined;
}

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const failures: string[] = [];
  const notes: string[] = [];
  const table: Table = {
    title: `Webhook ingest (${describeOurs(ctx)} vs bare Bun.serve JSON handler), latency ms`,
    columns: ["test", "server", "req/s", "msg/s", "p50", "p99", "p99.9", "group", "errors"],
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
    let group: number | undefined;
    const o = await withTargets(
      () => startOurs(ctx),
      async (x) => {
        await warm(x);
        const before = await journalCounts(x);
        const r = await t.run(x);
        const after = await journalCounts(x);
        if (before !== undefined && after !== undefined && after.groups > before.groups)
          group = (after.records - before.records) / (after.groups - before.groups);
        return r;
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
    const ro = row(t.label, "tacstream", o, group);
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
      "",
    ]);
    for (const r of [ro, rb]) {
      if (r.errors > 0)
        failures.push(`${t.label} on ${r.server}: ${r.errors} failed requests ${JSON.stringify(r.statuses)}`);
    }
  }
  for (const label of new Set(rows.filter((r) => r.test.endsWith("publishers")).map((r) => r.test))) {
    if (!label.startsWith("single")) continue;
    const so = rows.find((r) => r.test === label && r.server === "tacstream");
    const sb = rows.find((r) => r.test === label && r.server === "bare");
    if (so && sb) {
      const verdict = so.reqPerSec >= 0.5 * sb.reqPerSec ? "meets" : "below";
      notes.push(`${label}: ${ratio(so.reqPerSec, sb.reqPerSec)} of bare (${verdict} the 50 % target)`);
    }
  }
  const batched = rows.find((r) => r.test.startsWith("batches") && r.server === "tacstream");
  if (batched) {
    const verdict = batched.msgPerSec >= 200_000 ? "meets" : "below";
    notes.push(`batches of 100: ${fmt(batched.msgPerSec)} msg/s (${verdict} the 200k target)`);
  }
  return { suite: "ingest", quick: ctx.quick, data: { rows }, tables: [table], failures, notes };
}
