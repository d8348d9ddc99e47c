/**
 * `npm run bench` — the benchmark suite. `npm run bench -- --quick` is the small CI run (< 2 min; exits
 * non-zero only on message loss or errors).
 *
 *   --quick                 small loads, short runs
 *   --only=latency,peers    run some suites (latency, fanout, ingest, overload, journal, peers; and
 *                           tail — the fixed-rate p99s ten times over — and regions — the simulated
 *                           three-region world — which only run when named)
 *   --journal=jetstream     tacstream on JetStream (a temporary nats-server -js on a free port)
 *   --nodes=3               3 tacstream processes sharing one JetStream stream (implies jetstream)
 *   --no-pin                server and clients share every CPU (default with ≥ 2 CPUs: one-core mode,
 *                           the server under test on CPU 0, everything else on the others)
 */
import * as v from "valibot";
import { type NatsServer, natsSupportsSyncAlways, startNatsServer } from "../test/helpers/nats.ts";
import * as fanout from "./fanout.ts";
import * as ingest from "./ingest.ts";
import * as journal from "./journal.ts";
import * as latency from "./latency.ts";
import type { BenchContext } from "./lib/context.ts";
import { buildNodePrograms } from "./lib/node-build.ts";
import { setUpPinning, usePinning } from "./lib/pinning.ts";
import { cpuMsOf } from "./lib/procs.ts";
import { progress } from "./lib/progress.ts";
import { machine, type SuiteResult, textTable, writeJson, writeSummary } from "./lib/results.ts";
import * as overload from "./overload.ts";
import * as peers from "./peers.ts";
import * as regions from "./regions.ts";
import { writeReport } from "./report.ts";
import * as tail from "./tail.ts";

const SUITES = { latency, fanout, ingest, overload, journal, peers, tail, regions } as const;
type SuiteName = keyof typeof SUITES;
const NAMES = Object.keys(SUITES) as SuiteName[];
/**
 * What runs without `--only`: tail repeats latency's scenarios for minutes, and regions simulates a
 * world of nine processes; both are asked for by name.
 */
const DEFAULT_SUITES = NAMES.filter((n) => n !== "tail" && n !== "regions");

const FlagsSchema = v.object({
  quick: v.boolean(),
  only: v.array(v.picklist(NAMES, `--only takes ${NAMES.join(", ")}`)),
  journal: v.picklist(["embedded", "jetstream"], "--journal is embedded or jetstream"),
  nodes: v.pipe(v.number(), v.integer(), v.minValue(1, "--nodes ≥ 1"), v.maxValue(5, "--nodes ≤ 5")),
  pin: v.boolean(),
});

function parseFlags(argv: string[]): v.InferOutput<typeof FlagsSchema> {
  const raw: Record<string, unknown> = {
    quick: false,
    only: DEFAULT_SUITES,
    journal: "embedded",
    nodes: 1,
    pin: true,
  };
  for (const a of argv) {
    const [k, val] = a.replace(/^--/, "").split("=", 2) as [string, string | undefined];
    if (k === "quick") raw.quick = true;
    else if (k === "only") raw.only = (val ?? "").split(",").filter(Boolean);
    else if (k === "journal") raw.journal = val;
    else if (k === "nodes") raw.nodes = Number(val);
    else if (k === "no-pin") raw.pin = false;
    else throw new Error(`unknown flag ${a}`);
  }
  if ((raw.nodes as number) > 1) raw.journal = "jetstream";
  const res = v.safeParse(FlagsSchema, raw);
  if (!res.success) throw new Error(res.issues[0].message);
  return res.output;
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const suffix = [
    flags.journal === "jetstream" ? "jetstream" : "",
    flags.nodes > 1 ? `${flags.nodes}n` : "",
    flags.quick ? "quick" : "",
  ]
    .filter(Boolean)
    .join(".");
  const nameOf = (s: string) => (suffix === "" ? s : `${s}.${suffix}`);
  const t0 = performance.now();
  // Before anything is spawned: children inherit this process's CPUs.
  const pin = setUpPinning(flags.pin);
  usePinning(pin);
  console.log(`pinning: ${pin.description}`);
  const build = await buildNodePrograms();
  let nats: NatsServer | undefined;
  const results: SuiteResult[] = [];
  try {
    if (flags.journal === "jetstream") {
      nats = await startNatsServer({ name: "bench" });
      if (!natsSupportsSyncAlways())
        console.log("note: this nats-server fsyncs on its own interval (< 2.10)");
    }
    const ctx: BenchContext = { quick: flags.quick, build, journal: flags.journal, nodes: flags.nodes };
    if (nats !== undefined) {
      const server = nats;
      ctx.natsUrl = server.url;
      ctx.natsCpuMs = () => (server.pid === undefined ? 0 : cpuMsOf(server.pid));
    }
    for (const name of flags.only) {
      const ts = performance.now();
      console.log(`\n== ${name}${flags.quick ? " (quick)" : ""}`);
      let r: SuiteResult;
      try {
        r = await SUITES[name].run(ctx);
      } catch (err) {
        progress.clear();
        r = {
          suite: name,
          quick: flags.quick,
          data: {},
          tables: [],
          failures: [`crashed: ${(err as Error).stack ?? err}`],
          notes: [],
        };
      }
      for (const t of r.tables) console.log(`\n${textTable(t)}`);
      for (const n of r.notes) console.log(`note: ${n}`);
      for (const f of r.failures) console.log(`FAILED: ${f}`);
      console.log(`(${name}: ${((performance.now() - ts) / 1000).toFixed(1)} s)`);
      writeJson(nameOf(name), { ...r, machine: machine(), flags });
      results.push(r);
    }
  } finally {
    await nats?.stop();
    build.cleanup();
  }
  const summary = writeSummary(results, process.argv.slice(2).join(" "), nameOf("summary"));
  const svgs = writeReport(suffix);
  const failures = results.flatMap((r) => r.failures);
  console.log(`\nwrote ${summary}${svgs.length > 0 ? `, ${svgs.join(", ")}` : ""}`);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s, ${failures.length} failure(s)`);
  return failures.length === 0 ? 0 : 1;
}

try {
  process.exit(await main());
} catch (err) {
  progress.clear();
  console.error(`bench: ${(err as Error).message}`);
  process.exit(2);
}
