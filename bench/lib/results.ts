import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { pinning } from "./pinning.ts";

export const RESULTS_DIR = join(import.meta.dir, "..", "results");

export type Cell = string | number;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

export interface SuiteResult {
  suite: string;
  quick: boolean;
  /** Everything measured, for report.ts and for anyone comparing runs. */
  data: Record<string, unknown>;
  tables: Table[];
  /** Message loss or errors: `npm run bench` exits non-zero when any suite reports one. */
  failures: string[];
  /** Targets missed (e.g. ingest below 50 % of bare): printed, never a failure (the machine is shared). */
  notes: string[];
}

export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    cpus: c.length,
    cpuModel: c[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    bun: Bun.version,
    platform: `${process.platform}-${process.arch}`,
    pinning: pinning().description,
  };
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export const ms = (n: number) => fmt(n, n < 10 ? 2 : 1);
export const ratio = (ours: number, base: number) => (base > 0 ? `${(ours / base).toFixed(2)}×` : "–");
export const mib = (bytes: number) => fmt(bytes / 1048576, 1);

export function textTable(t: Table): string {
  const all = [t.columns, ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? "").length)));
  const line = (r: Cell[]) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("  ");
  return [t.title, line(t.columns), widths.map((w) => "-".repeat(w)).join("  "), ...t.rows.map(line)].join(
    "\n",
  );
}

export function markdownTable(t: Table): string {
  const esc = (c: Cell) => String(c).replace(/\|/g, "\\|");
  return [
    `**${t.title}**`,
    "",
    `| ${t.columns.map(esc).join(" | ")} |`,
    `| ${t.columns.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

export function writeJson(name: string, value: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

export function writeSummary(results: SuiteResult[], flags: string, name = "summary"): string {
  const m = machine();
  const lines = [
    "<!-- written by `npm run bench`; do not edit by hand -->",
    `Measured ${String(m.date).slice(0, 10)} on ${m.cpus} × ${m.cpuModel}, Bun ${m.bun}` +
      `${flags === "" ? "" : ` (\`${flags}\`)`}. Latencies in ms from the intended send time (HDR ` +
      "histogram, fixed-rate load); ratios are tacstream ÷ baseline measured in the same run. " +
      `Pinning: ${m.pinning}.`,
    "",
  ];
  for (const r of results) {
    for (const t of r.tables) lines.push(markdownTable(t), "");
    for (const f of r.failures) lines.push(`- **FAILED** (${r.suite}): ${f}`);
    for (const n of r.notes) lines.push(`- note (${r.suite}): ${n}`);
    if (r.failures.length + r.notes.length > 0) lines.push("");
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.md`);
  writeFileSync(path, lines.join("\n"));
  return path;
}
