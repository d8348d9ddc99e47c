/**
 * SVG charts from bench/results/*.json (hand-written SVG, no dependencies): a latency-percentile plot
 * (x in "nines": 90 %, 99 %, 99.9 % … evenly spaced, y in ms on a log scale) and a throughput chart
 * (deliveries/s, tacstream beside each baseline). `bun bench/report.ts [suffix]` redraws them.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RESULTS_DIR } from "./lib/results.ts";
import type { FanoutResult } from "./lib/scenario.ts";

interface Series {
  name: string;
  curve: Array<[number, number]>;
}
interface Bar {
  group: string;
  name: string;
  value: number;
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function read(name: string): { data: Record<string, unknown> } | undefined {
  const path = join(RESULTS_DIR, `${name}.json`);
  return existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as { data: Record<string, unknown> })
    : undefined;
}

/** x position of a percentile in "nines": 0 → 0, 90 → 1, 99 → 2, 99.9 → 3 … */
const nines = (p: number) => (p >= 100 ? 5 : Math.min(5, -Math.log10(1 - p / 100)));

export function percentilePlot(title: string, series: Series[]): string {
  const W = 900;
  const H = 420;
  const L = 70;
  const R = 320;
  const T = 40;
  const B = 50;
  const all = series.flatMap((s) => s.curve.map(([, v]) => Math.max(v, 0.01)));
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, 1)));
  const x = (p: number) => L + (nines(p) / 5) * (W - L - R);
  const y = (v: number) =>
    T +
    (1 - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const [p, label] of [
    [0, "0%"],
    [90, "90%"],
    [99, "99%"],
    [99.9, "99.9%"],
    [99.99, "99.99%"],
    [99.999, "99.999%"],
  ] as const) {
    out.push(`<line x1="${x(p)}" y1="${T}" x2="${x(p)}" y2="${H - B}" stroke="#ddd"/>`);
    out.push(`<text x="${x(p)}" y="${H - B + 18}" text-anchor="middle">${label}</text>`);
  }
  for (let v = lo; v <= hi; v *= 10) {
    out.push(`<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(
      `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v : v.toPrecision(1)} ms</text>`,
    );
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">percentile</text>`);
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.curve.map(([p, v]) => `${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts}"/>`);
    out.push(`<rect x="${W - R + 12}" y="${T + i * 18 - 9}" width="12" height="3" fill="${c}"/>`);
    out.push(`<text x="${W - R + 30}" y="${T + i * 18 - 4}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

export function barChart(title: string, bars: Bar[], unit: string): string {
  const W = 760;
  const rowH = 22;
  const L = 300;
  const T = 40;
  const H = T + bars.length * rowH + 30;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const names = [...new Set(bars.map((b) => b.name))];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const yy = T + i * rowH;
    const w = (b.value / max) * (W - L - 110);
    const c = COLORS[names.indexOf(b.name) % COLORS.length];
    out.push(`<text x="${L - 8}" y="${yy + 14}" text-anchor="end">${esc(`${b.group} — ${b.name}`)}</text>`);
    out.push(`<rect x="${L}" y="${yy + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${c}"/>`);
    out.push(
      `<text x="${L + w + 6}" y="${yy + 14}">${Math.round(b.value).toLocaleString("en-US")} ${unit}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Writes the charts for the results of one configuration (suffix as in `latency.<suffix>.json`). */
export function writeReport(suffix = ""): string[] {
  const n = (s: string) => (suffix === "" ? s : `${s}.${suffix}`);
  const written: string[] = [];
  const latency = read(n("latency"))?.data as
    | { scenarios?: Array<{ ours: FanoutResult; bare: FanoutResult }> }
    | undefined;
  const peers = read(n("peers"))?.data as
    | { results?: Array<{ name: string; fixed: FanoutResult; saturated: FanoutResult }> }
    | undefined;
  const fanout = read(n("fanout"))?.data as
    | { steps?: Array<{ ours: FanoutResult; bare: FanoutResult }> }
    | undefined;

  const series: Series[] = [];
  for (const s of latency?.scenarios ?? []) {
    if (s.ours.load.kind !== "rate") continue;
    series.push({ name: `tacstream: ${s.ours.label}`, curve: s.ours.curve });
    series.push({ name: `bare: ${s.bare.label}`, curve: s.bare.curve });
  }
  for (const p of peers?.results ?? []) series.push({ name: `${p.name} (peers)`, curve: p.fixed.curve });
  if (series.length > 0) {
    const path = join(RESULTS_DIR, `${n("latency-percentiles")}.svg`);
    writeFileSync(path, percentilePlot("End-to-end latency by percentile (fixed-rate load)", series));
    written.push(path);
  }

  const bars: Bar[] = [];
  for (const s of fanout?.steps ?? []) {
    bars.push({ group: s.ours.label, name: "tacstream", value: s.ours.deliveriesPerSec });
    bars.push({ group: s.bare.label, name: "bare Bun publish", value: s.bare.deliveriesPerSec });
  }
  for (const p of peers?.results ?? []) {
    bars.push({
      group: `peers, ${p.saturated.subscribers} subs`,
      name: p.name,
      value: p.saturated.deliveriesPerSec,
    });
  }
  if (bars.length > 0) {
    const path = join(RESULTS_DIR, `${n("throughput")}.svg`);
    writeFileSync(path, barChart("Deliveries per second at saturation", bars, "/s"));
    written.push(path);
  }
  return written;
}

if (import.meta.main) {
  for (const p of writeReport(process.argv[2] ?? "")) console.log(`wrote ${p}`);
}
