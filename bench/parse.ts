/**
 * Parser throughput: RSS 2.0, RSS 1.0 (RDF) and Atom over the real feeds in test/fixtures, the
 * CISA KEV catalogue, and the STIX example bundles.
 *
 *   ./node_modules/.bin/bun bench/parse.ts [seconds per format, default 3]
 *
 * Each format's files are parsed round after round for the given time (after a warm-up); the figure is
 * the total bytes over the total time, garbage collection included. KEV also reports its first, cold
 * parse, which is what a poller pays once per download. Writes bench/results/parse.json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { toThreatPayload } from "../src/ingest/indicators/payload.ts";
import type { NormalizedItem } from "../src/ingest/item.ts";
import { parseKev } from "../src/ingest/parsers/kev.ts";
import { parseRss } from "../src/ingest/parsers/rss.ts";
import { parseStixBundle } from "../src/ingest/parsers/stix.ts";

const FIXTURES = process.env.TACSTREAM_FIXTURES ?? join(import.meta.dir, "..", "test", "fixtures");
const SECONDS = Number(process.argv[2] ?? 3);
const OUT = join(import.meta.dir, "results", "parse.json");

interface Row {
  format: string;
  files: number;
  bytes: number;
  ms: number;
  "MB/s": number;
  /** Process CPU time per round (all threads, GC included): steadier than wall time on a shared machine. */
  cpuMs: number;
  "MB/s per CPU-s": number;
  items: number;
  rounds: number;
  target: string;
  pass: boolean;
}

function read(dir: string, names: string[]): Uint8Array[] {
  return names.map((n) => readFileSync(join(dir, n)));
}

/** Sorts the feed fixtures by their root element, the way the parser itself tells them apart. */
function feedGroups(): Record<string, Uint8Array[]> {
  const dir = join(FIXTURES, "feeds", "input");
  const groups: Record<string, Uint8Array[]> = { "rss-2.0": [], rdf: [], atom: [] };
  for (const name of readdirSync(dir).sort()) {
    const bytes = readFileSync(join(dir, name));
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
    const group = /<rdf:RDF[\s>]/.test(head)
      ? "rdf"
      : /<feed[\s>]/.test(head)
        ? "atom"
        : /<rss[\s>]/.test(head)
          ? "rss-2.0"
          : undefined;
    if (group !== undefined) groups[group]!.push(bytes);
  }
  return groups;
}

function measure(
  format: string,
  docs: Uint8Array[],
  parse: (b: Uint8Array) => NormalizedItem[],
  target: { mbps?: number; ms?: number },
): Row {
  const bytes = docs.reduce((n, d) => n + d.length, 0);
  // Each format starts from a collected heap, so it does not pay for the garbage of the one before.
  Bun.gc(true);
  // The first rounds warm the JIT up; they also count the items.
  const items = docs.reduce((n, d) => n + parse(d).length, 0);
  for (let i = 0; i < 2; i++) for (const d of docs) parse(d);
  let rounds = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000 || rounds < 3) {
    for (const d of docs) parse(d);
    rounds++;
  }
  const ms = (performance.now() - t0) / rounds;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / rounds;
  const mbps = bytes / 1e6 / (ms / 1000);
  const pass =
    (target.mbps === undefined || mbps >= target.mbps) && (target.ms === undefined || ms < target.ms);
  const goal = [target.mbps && `≥ ${target.mbps} MB/s`, target.ms && `< ${target.ms} ms`]
    .filter(Boolean)
    .join(", ");
  const cpuMbps = bytes / 1e6 / (cpuMs / 1000);
  return {
    format,
    files: docs.length,
    bytes,
    ms,
    "MB/s": mbps,
    cpuMs,
    "MB/s per CPU-s": cpuMbps,
    items,
    rounds,
    target: goal || "-",
    pass,
  };
}

function coldKev(kev: Uint8Array): Row {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const items = parseKev(kev).length;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    format: "kev (cold, first parse)",
    files: 1,
    bytes: kev.length,
    ms,
    "MB/s": kev.length / 1e6 / (ms / 1000),
    cpuMs,
    "MB/s per CPU-s": kev.length / 1e6 / (cpuMs / 1000),
    items,
    rounds: 1,
    target: "< 150 ms",
    pass: ms < 150,
  };
}

const kev = readFileSync(join(FIXTURES, "threat", "cisa-kev.json"));
const rows: Row[] = [coldKev(kev)];
for (const [format, docs] of Object.entries(feedGroups())) {
  rows.push(measure(format, docs, (b) => parseRss(b), { mbps: 20 }));
}
rows.push(measure("kev", [kev], parseKev, { ms: 150 }));
rows.push(
  measure(
    "kev → ThreatPayload",
    [kev],
    (b) => {
      const items = parseKev(b);
      for (const item of items) toThreatPayload(item, { source: "cisa-kev", ttl: 86_400 });
      return items;
    },
    { ms: 150 },
  ),
);
const stixDir = join(FIXTURES, "threat", "stix");
rows.push(
  measure(
    "stix",
    read(
      stixDir,
      readdirSync(stixDir)
        .filter((f) => f.endsWith(".json"))
        .sort(),
    ),
    parseStixBundle,
    {},
  ),
);

const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number, d: number, n: number) => x.toFixed(d).padStart(n);
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`bun ${Bun.version}, ${SECONDS} s per format, load average ${load}\n`);
console.log(
  `${pad("format", 26)}${"files".padStart(6)}${"bytes".padStart(11)}${"ms".padStart(10)}${"MB/s".padStart(9)}${"cpu ms".padStart(9)}${"MB/cpu-s".padStart(10)}${"items".padStart(8)}  target`,
);
for (const r of rows) {
  console.log(
    `${pad(r.format, 26)}${String(r.files).padStart(6)}${String(r.bytes).padStart(11)}${num(r.ms, 2, 10)}${num(r["MB/s"], 1, 9)}${num(r.cpuMs, 2, 9)}${num(r["MB/s per CPU-s"], 1, 10)}${String(r.items).padStart(8)}  ${r.target} ${r.target === "-" ? "" : r.pass ? "ok" : "MISSED"}`,
  );
}
mkdirSync(dirname(OUT), { recursive: true });
const round = (x: number) => Math.round(x * 100) / 100;
writeFileSync(
  OUT,
  `${JSON.stringify(
    {
      runtime: `bun ${Bun.version}`,
      secondsPerFormat: SECONDS,
      loadAverage: load,
      at: new Date().toISOString(),
      results: rows.map((r) => ({
        ...r,
        ms: round(r.ms),
        "MB/s": round(r["MB/s"]),
        cpuMs: round(r.cpuMs),
        "MB/s per CPU-s": round(r["MB/s per CPU-s"]),
      })),
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${OUT}`);
