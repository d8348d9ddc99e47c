/**
 * Latency: fixed-rate webhook load (batches of 100, 256-byte payloads) into tacstream and into the bare
 * `Bun.serve` + `publish` baseline, in the same run, with subscribers in a separate Node process.
 * Reports e2e latency percentiles from the intended send time, deliveries/s, loss and server RSS.
 */
import { type BenchContext, describeOurs, startOurs, withTargets } from "./lib/context.ts";
import { DiskWriter } from "./lib/disk-writer.ts";
import type { Percentiles } from "./lib/hdr.ts";
import { startLoopProbe } from "./lib/probe.ts";
import { startTarget, type Target } from "./lib/procs.ts";
import { fmt, mib, ms, ratio, type SuiteResult, type Table } from "./lib/results.ts";
import { type FanoutResult, type FanoutSpec, type Load, runFanout } from "./lib/scenario.ts";
import { SubscriberProcess } from "./lib/subscribers.ts";

interface Scenario {
  label: string;
  subscribers: number;
  load: Load;
}

function scenarios(quick: boolean, journal: "embedded" | "jetstream"): Scenario[] {
  const s = quick ? 1.5 : 10;
  // JetStream's own target (issue 8): 1,000 msg/s to 100 subscribers on one node, p99 ≤ 15 ms.
  const light: Scenario[] =
    journal === "jetstream" && !quick
      ? [
          {
            label: "1k msg/s, 100 subs",
            subscribers: 100,
            load: { kind: "rate", rate: 1000, seconds: s, batch: 10 },
          },
        ]
      : [];
  return [
    ...light,
    {
      label: `${quick ? "2k" : "10k"} msg/s, 10 binary subs`,
      subscribers: 10,
      load: { kind: "rate", rate: quick ? 2000 : 10_000, seconds: s, batch: 100 },
    },
    {
      label: `${quick ? "2k" : "10k"} msg/s, ${quick ? 30 : 100} subs`,
      subscribers: quick ? 30 : 100,
      load: { kind: "rate", rate: quick ? 2000 : 10_000, seconds: s, batch: 100 },
    },
    {
      label: `saturation, ${quick ? 20 : 100} subs`,
      subscribers: quick ? 20 : 100,
      load: { kind: "max", seconds: quick ? 1.5 : 10, batch: 100, concurrency: 4 },
    },
  ];
}

export function fanoutRow(r: FanoutResult, name: string): (string | number)[] {
  return [
    r.label,
    name,
    fmt(r.messagesPerSec),
    fmt(r.deliveriesPerSec),
    ms(r.e2e.p50),
    ms(r.e2e.p99),
    ms(r.e2e.p999),
    ms(r.e2e.max),
    fmt(r.loss),
    mib(r.serverRssBytes),
    cpuCell(r),
    stealCell(r),
  ];
}

/** Steal time on the server's CPU during the run (bench/lib/steal.ts): a contended host shows here. */
export function stealCell(r: FanoutResult): string {
  return r.serverSteal === null ? "?" : `${(r.serverSteal * 100).toFixed(1)} %`;
}

/** The server's CPU per message, and nats-server's beside it when the journal is JetStream. */
export function cpuCell(r: FanoutResult): string {
  const own = fmt(r.cpuPerMessageUs, 1);
  return r.peerCpuPerMessageUs > 0 ? `${own} (+${fmt(r.peerCpuPerMessageUs, 1)} nats)` : own;
}

export function ratioRow(label: string, ours: FanoutResult, base: FanoutResult): (string | number)[] {
  return [
    label,
    "ratio ours/bare",
    ratio(ours.messagesPerSec, base.messagesPerSec),
    ratio(ours.deliveriesPerSec, base.deliveriesPerSec),
    ratio(ours.e2e.p50, base.e2e.p50),
    ratio(ours.e2e.p99, base.e2e.p99),
    ratio(ours.e2e.p999, base.e2e.p999),
    ratio(ours.e2e.max, base.e2e.max),
    "",
    ratio(ours.serverRssBytes, base.serverRssBytes),
    ratio(ours.cpuPerMessageUs, base.cpuPerMessageUs),
    "",
  ];
}

export const FANOUT_COLUMNS = [
  "scenario",
  "server",
  "msg/s",
  "deliveries/s",
  "p50",
  "p99",
  "p99.9",
  "max",
  "loss",
  "RSS MiB",
  "CPU µs/msg",
  "steal",
];

/** One fan-out workload against tacstream, then against the bare Bun baseline, in the same run. */
export async function runPair(
  ctx: BenchContext,
  spec: Omit<FanoutSpec, "targets">,
  failures: string[],
): Promise<{ ours: FanoutResult; bare: FanoutResult }> {
  const peer = ctx.natsCpuMs === undefined ? {} : { peerCpuMs: ctx.natsCpuMs };
  const ours = await withTargets(
    () => startOurs(ctx),
    (targets) => runFanout({ ...spec, ...peer, targets }),
  );
  const bare = await withTargets(
    async () => [await startTarget("bare")],
    (targets) => runFanout({ ...spec, targets }),
  );
  checkFanout(ours, failures);
  checkFanout(bare, failures);
  return { ours, bare };
}

export function checkFanout(r: FanoutResult, failures: string[]): void {
  const where = `${r.label} on ${r.target}`;
  if (r.loss !== 0)
    failures.push(
      `${where}: ${r.loss} of ${r.expected} deliveries lost (close codes ${JSON.stringify(r.closeCodes)})`,
    );
  if (r.errors !== 0) failures.push(`${where}: ${r.errors} ingest requests failed`);
  if (r.acked === 0) failures.push(`${where}: no message was acknowledged`);
}

/** RSS added per idle connection: server RSS before and after opening `n` subscribed connections. */
async function idleRss(
  ctx: BenchContext,
  targets: Target[],
  n: number,
): Promise<{ before: number; after: number; perConn: number }> {
  const rssAll = () => targets.reduce((s, t) => s + t.rss(), 0);
  const before = rssAll();
  const procs: SubscriberProcess[] = [];
  try {
    for (let left = n; left > 0; left -= 9000) {
      procs.push(
        await SubscriberProcess.start(ctx.build, {
          targets: targets.map((t) => ({ host: t.host, port: t.port })),
          conns: Math.min(left, 9000),
          feed: "idle",
          protocol: "binary",
          record: false,
        }),
      );
    }
    const after = rssAll();
    return { before, after, perConn: (after - before) / n };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const ours = describeOurs(ctx);
  const failures: string[] = [];
  const notes: string[] = [];
  const table: Table = {
    title: `E2E latency, ms (${ours} vs bare Bun publish)`,
    columns: FANOUT_COLUMNS,
    rows: [],
  };
  const pairs: Array<{ ours: FanoutResult; bare: FanoutResult }> = [];
  const warmupSeconds = ctx.quick ? 0.3 : 2;
  for (const sc of scenarios(ctx.quick, ctx.journal)) {
    const spec = {
      label: sc.label,
      build: ctx.build,
      subscribers: sc.subscribers,
      protocol: "binary" as const,
      load: sc.load,
      warmupSeconds,
    };
    const { ours: o, bare: b } = await runPair(ctx, spec, failures);
    if (o.problems.length > 0)
      failures.push(`${sc.label}: server logged ${o.problems.length} warnings/errors: ${o.problems[0]}`);
    table.rows.push(fanoutRow(o, "tacstream"), fanoutRow(b, "bare"), ratioRow(sc.label, o, b));
    pairs.push({ ours: o, bare: b });
  }

  const base = scenarios(ctx.quick, ctx.journal).at(-2)!;
  const disk = await diskWriterRun(ctx, base, warmupSeconds, failures);
  const sealed = await encryptionRun(ctx, base, disk.without, warmupSeconds, failures);

  const idleN = ctx.quick ? 1000 : 10_000;
  const idleOurs = await withTargets(
    () => startOurs(ctx),
    (t) => idleRss(ctx, t, idleN),
  );
  const idleBare = await withTargets(
    async () => [await startTarget("bare")],
    (t) => idleRss(ctx, t, idleN),
  );
  const idle: Table = {
    title: `${fmt(idleN)} idle connections: server memory`,
    columns: ["server", "RSS before MiB", "RSS after MiB", "bytes/connection"],
    rows: [
      ["tacstream", mib(idleOurs.before), mib(idleOurs.after), fmt(idleOurs.perConn)],
      ["bare", mib(idleBare.before), mib(idleBare.after), fmt(idleBare.perConn)],
      ["ratio ours/bare", "", "", ratio(idleOurs.perConn, idleBare.perConn)],
    ],
  };
  return {
    suite: "latency",
    quick: ctx.quick,
    data: {
      scenarios: pairs,
      diskWriter: disk.data,
      idle: { connections: idleN, tacstream: idleOurs, bare: idleBare },
    },
    tables: [table, disk.table, sealed.table, idle],
    failures,
    notes,
  };
}

/**
 * The second scenario, tacstream only, without and then with a competing disk writer (`dd … conv=fsync`
 * in a loop on the same device), each with a probe of the event loop. The writer may slow the fsync and
 * so the 202 (and the e2e latency, which includes it); it must not hold up the event loop, so the probe
 * — and the delivery of what is already durable — stays where it was.
 */
async function diskWriterRun(
  ctx: BenchContext,
  base: Scenario,
  warmupSeconds: number,
  failures: string[],
): Promise<{ table: Table; data: unknown; without: FanoutResult }> {
  const writer = new DiskWriter(ctx.quick ? 32 : 128);
  const one = (label: string, withWriter: boolean) =>
    withTargets(
      () => startOurs(ctx),
      async (targets) => {
        if (withWriter) writer.start();
        const stopWriter = () => (withWriter ? writer.stop() : Promise.resolve());
        const probe = startLoopProbe(targets[0]!.url);
        await serverLagMs(targets[0]!.url); // resets the server's worst-lag gauge
        const r = await runFanout({
          label,
          targets,
          build: ctx.build,
          subscribers: base.subscribers,
          protocol: "binary",
          load: base.load,
          warmupSeconds,
        }).finally(stopWriter);
        const lagMs = await serverLagMs(targets[0]!.url);
        return { r, loop: await probe.stop(), lagMs };
      },
    );
  const without = await one(base.label, false);
  const withWriter = await one(`${base.label}, disk writer`, true);
  checkFanout(without.r, failures);
  checkFanout(withWriter.r, failures);
  type Run = { r: FanoutResult; loop: Percentiles; lagMs: number };
  const row = (name: string, x: Run) => [
    name,
    ms(x.r.e2e.p50),
    ms(x.r.e2e.p99),
    ms(x.r.e2e.p999),
    ms(x.r.ingest.p99),
    ms(x.loop.p99),
    ms(x.loop.max),
    ms(x.lagMs),
    fmt(x.r.loss),
  ];
  const q = (f: (x: Run) => number) => ratio(f(withWriter), f(without));
  const table: Table = {
    title: `${base.label}: tacstream with a competing disk writer (dd oflag=direct conv=fsync, ${writer.passes} passes), ms`,
    columns: [
      "run",
      "e2e p50",
      "e2e p99",
      "e2e p99.9",
      "202 p99",
      "probe p99",
      "probe max",
      "server lag max",
      "loss",
    ],
    rows: [
      row("no writer", without),
      row("disk writer", withWriter),
      [
        "ratio writer/none",
        q((x) => x.r.e2e.p50),
        q((x) => x.r.e2e.p99),
        q((x) => x.r.e2e.p999),
        q((x) => x.r.ingest.p99),
        q((x) => x.loop.p99),
        q((x) => x.loop.max),
        q((x) => x.lagMs),
        "",
      ],
    ],
  };
  return { table, data: { without, withWriter, ddPasses: writer.passes }, without: without.r };
}

/**
 * The server's own worst event-loop lag since the previous scrape, ms (`tacstream_event_loop_lag_seconds`,
 * a 500 ms timer): unlike the probe, it is not moved by the client CPU.
 */
async function serverLagMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^tacstream_event_loop_lag_seconds\s+([0-9.eE+-]+)/m.exec(text);
  return m === null ? Number.NaN : Number(m[1]) * 1000;
}

/** A fixed AES-256 key for the encrypted run (bench data only; never a real key). */
const BENCH_KEYS = `bench:${Buffer.alloc(32, 7).toString("base64")}`;

/**
 * The second scenario with ENCRYPTION_KEYS (payloads sealed at rest, opened at most once per message
 * in the tail), against the same scenario without (same run): what encryption costs the server's core
 * per message. In a full run both servers are warmed for 20 s first, as in the tail suite: started
 * cold, the optimizing compiler's work on the one core (docs/benchmarks.md, "last round") moved the
 * ratio by ±0.15 from run to run, more than what is measured; after 10 s the encrypted server (more code
 * to compile) still read 1.25× where three warm runs of 4 s after 20 s read 1.07–1.16×. `--quick`
 * compares against the disk-writer table's plain run.
 */
const ENCRYPTION_WARM_UP_SECONDS = 20;

async function encryptionRun(
  ctx: BenchContext,
  base: Scenario,
  quickPlain: FanoutResult,
  quickWarmupSeconds: number,
  failures: string[],
): Promise<{ table: Table; data: unknown }> {
  const warmupSeconds = ctx.quick ? quickWarmupSeconds : ENCRYPTION_WARM_UP_SECONDS;
  const one = (label: string, env: Record<string, string>) =>
    withTargets(
      () => startOurs(ctx, env),
      async (targets) => {
        // The plain run had the loop probe: this one gets it too, so both pay for its requests.
        const probe = startLoopProbe(targets[0]!.url);
        try {
          return await runFanout({
            label,
            targets,
            build: ctx.build,
            subscribers: base.subscribers,
            protocol: "binary",
            load: base.load,
            warmupSeconds,
          });
        } finally {
          await probe.stop();
        }
      },
    );
  const plain = ctx.quick ? quickPlain : await one(`${base.label}, plain`, {});
  const encrypted = await one(`${base.label}, encrypted`, { ENCRYPTION_KEYS: BENCH_KEYS });
  checkFanout(plain, failures);
  checkFanout(encrypted, failures);
  const row = (name: string, r: FanoutResult) => [
    name,
    fmt(r.cpuPerMessageUs, 1),
    ms(r.e2e.p50),
    ms(r.e2e.p99),
    ms(r.e2e.p999),
    ms(r.ingest.p99),
    fmt(r.loss),
  ];
  const table: Table = {
    title: `${base.label}: tacstream plain and with ENCRYPTION_KEYS (AES-256-GCM at rest${ctx.quick ? "" : `, both warmed ${warmupSeconds} s`}), ms`,
    columns: ["run", "CPU µs/msg", "e2e p50", "e2e p99", "e2e p99.9", "202 p99", "loss"],
    rows: [
      row("plain", plain),
      row("encrypted", encrypted),
      [
        "ratio encrypted/plain",
        ratio(encrypted.cpuPerMessageUs, plain.cpuPerMessageUs),
        ratio(encrypted.e2e.p50, plain.e2e.p50),
        ratio(encrypted.e2e.p99, plain.e2e.p99),
        ratio(encrypted.e2e.p999, plain.e2e.p999),
        ratio(encrypted.ingest.p99, plain.ingest.p99),
        "",
      ],
    ],
  };
  return { table, data: { plain, encrypted } };
}
