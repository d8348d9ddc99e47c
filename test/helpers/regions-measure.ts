import type { World } from "./regions.ts";
import { postMessages, threat } from "./server.ts";
import { openSocket } from "./ws.ts";

/** What one topology costs, per region (ms): the figures docs/regions.md compares. */
export interface Figures {
  topology: string;
  /** 202 latency, p50 / p90, of single-message POSTs to each region's own node. */
  ack: Record<string, { p50: number; p90: number }>;
  /** Publish at `from`, live delivery p50 / p90 in each region, from the POST's start. */
  delivery: { from: string; to: Record<string, { p50: number; p90: number }> };
  /** A replay of `replayCount` messages (since=0) in each region, median of 3. */
  replay: Record<string, number>;
  replayCount: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] ?? Number.NaN;
};

async function ackLatency(url: string, feed: string, n: number): Promise<{ p50: number; p90: number }> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await postMessages(url, feed, threat(i));
    if (res.status !== 202) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    xs.push(performance.now() - t0);
  }
  return { p50: pct(xs, 0.5), p90: pct(xs, 0.9) };
}

export async function measure(world: World, opts: { from?: string; n?: number } = {}): Promise<Figures> {
  const n = opts.n ?? 30;
  const from = opts.from ?? "ams";
  const ack: Figures["ack"] = {};
  for (const r of world.regions) ack[r.name] = await ackLatency(r.node.url, `ack-${r.name}`, n);

  // Live delivery: a subscriber per region, messages posted one at a time at `from`.
  const feed = "delivery";
  const subs = await Promise.all(
    world.regions.map((r) => openSocket(`${r.node.wsUrl}/v1/stream?feeds=${feed}`)),
  );
  for (const s of subs) await s.nextJson(5000);
  const sentAt = new Map<string, number>();
  const arrivals = world.regions.map(() => new Map<string, number>());
  for (const [k, s] of subs.entries()) {
    s.ws.addEventListener("message", (ev) => {
      if (typeof ev.data !== "string") return;
      const m = JSON.parse(ev.data) as { id?: string; seq?: number };
      if (typeof m.seq === "number" && m.id !== undefined) arrivals[k]!.set(m.id, performance.now());
    });
  }
  const fromNode = world.region(from).node;
  for (let i = 0; i < n; i++) {
    const id = crypto.randomUUID();
    const t0 = performance.now();
    sentAt.set(id, t0);
    const res = await postMessages(fromNode.url, feed, [{ ...threat(i), id }]);
    if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
    await res.arrayBuffer();
  }
  const deadline = Date.now() + 20_000;
  while (arrivals.some((a) => a.size < n)) {
    if (Date.now() > deadline) throw new Error("delivery: not every message arrived in every region");
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const s of subs) s.close();
  const to: Figures["delivery"]["to"] = {};
  world.regions.forEach((r, k) => {
    const xs = [...sentAt].map(([id, t]) => arrivals[k]!.get(id)! - t);
    to[r.name] = { p50: pct(xs, 0.5), p90: pct(xs, 0.9) };
  });

  // Replay: the acks feed of the primary (n messages), read back in every region.
  const replay: Record<string, number> = {};
  for (const r of world.regions) {
    const xs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      const res = await fetch(
        `${r.node.url}/v1/feeds/ack-${world.regions[0]!.name}/messages?since=0&limit=1000`,
      );
      const page = (await res.json()) as { messages: unknown[] };
      if (page.messages.length !== n) throw new Error(`replay in ${r.name}: ${page.messages.length} of ${n}`);
      xs.push(performance.now() - t0);
    }
    replay[r.name] = pct(xs, 0.5);
  }
  return { topology: world.topology, ack, delivery: { from, to }, replay, replayCount: n };
}

/** The comparison as a text table. */
export function figuresTable(all: Figures[]): string {
  const f1 = (x: number) => x.toFixed(1);
  const regions = Object.keys(all[0]!.ack);
  const head = [
    "topology",
    ...regions.map((r) => `202 ${r} p50/p90`),
    ...regions.map((r) => `deliver →${r} p50`),
    ...regions.map((r) => `replay ${r}`),
  ];
  const rows = all.map((f) => [
    f.topology,
    ...regions.map((r) => `${f1(f.ack[r]!.p50)}/${f1(f.ack[r]!.p90)}`),
    ...regions.map((r) => f1(f.delivery.to[r]!.p50)),
    ...regions.map((r) => f1(f.replay[r]!)),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(w[i]!)).join("  ");
  return [line(head), line(w.map((x) => "-".repeat(x))), ...rows.map(line)].join("\n");
}
