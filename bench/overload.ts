/**
 * Overload (issue #18, item 1): measure ingest capacity (closed loop, 202/s), then offer 3× that at a
 * fixed rate, open loop, for a bounded time. Reports what was admitted (throughput against capacity,
 * latency from the intended send time, HDR), what was refused (count by status, and how fast), the
 * server's RSS at the start, peak and end of the overload, and `/health` latency during it — the probe
 * an orchestrator would use to decide whether to restart a node that is only busy.
 *
 * The server runs with INGEST_MAX_IN_FLIGHT=16 and batches of 50 messages (800 messages in flight at
 * most, about what the default 512 means for single-message POSTs): one load-generator process sharing
 * the cores with the server cannot offer 3× capacity in single POSTs, nor open enough requests to reach
 * 512. Capacity is measured at the same concurrency, so admission sits at the saturation point.
 */
import { join } from "node:path";
import { type BenchContext, describeOurs, startOurs, withTargets } from "./lib/context.ts";
import { type Histogram, newHistogram, type Percentiles, percentiles } from "./lib/hdr.ts";
import { epochNow, payloadOf } from "./lib/load.ts";
import type { Target } from "./lib/procs.ts";
import { progress } from "./lib/progress.ts";
import { fmt, mib, ms, type SuiteResult, type Table } from "./lib/results.ts";

const ADMISSION = 16;
/** Messages per request: one client process can then offer 3× the node's capacity in requests. */
const BATCH = 50;
/** Requests the generator keeps open at most: above ADMISSION (so refusals happen), below the pool. */
const GENERATOR_IN_FLIGHT = 200;

type HealthFigures = Percentiles & { over1s: number; failed: number };

export interface OverloadResult {
  capacityReqPerSec: number;
  capacityMsgPerSec: number;
  offeredReqPerSec: number;
  /** Requests actually sent per second (the generator may fall short of the offer on a busy machine). */
  sentReqPerSec: number;
  admittedReqPerSec: number;
  admittedMsgPerSec: number;
  admittedShare: number;
  admitted: Percentiles;
  refused: Percentiles;
  statuses: Record<string, number>;
  /** How late the generator sent, against the schedule (its own lag, charged to every request). */
  sendLag: Percentiles;
  health: HealthFigures;
  rss: { start: number; peak: number; end: number };
  seconds: number;
}

/** Posts one batch (the same body every time) and says how it was answered. */
function poster(url: string): () => Promise<string> {
  // One body for every request: building it per request was most of the generator's time, and the
  // latency measured here is the request's (from its intended send time), not the message timestamp's.
  const one = `{"priority":"high","payload":${payloadOf(256)}}`;
  const body = `[${new Array(BATCH).fill(one).join(",")}]`;
  const target = `${url}/v1/feeds/overload/messages`;
  const headers = { "content-type": "application/json" };
  return async () => {
    try {
      const res = await fetch(target, { method: "POST", headers, body });
      await res.arrayBuffer();
      return String(res.status);
    } catch {
      return "error";
    }
  };
}

/** Closed loop: `concurrency` loops posting back to back; 202/s is the node's capacity. */
async function capacity(
  url: string,
  concurrency: number,
  seconds: number,
): Promise<{ reqPerSec: number; statuses: Record<string, number> }> {
  const post = poster(url);
  const statuses: Record<string, number> = {};
  const t0 = epochNow();
  const end = t0 + seconds * 1000;
  const loop = async () => {
    while (epochNow() < end) {
      const s = await post();
      statuses[s] = (statuses[s] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { reqPerSec: (statuses["202"] ?? 0) / ((epochNow() - t0) / 1000), statuses };
}

/** Open loop at `rate` requests/s: latency of each request from its intended time, by outcome. */
async function offer(
  url: string,
  rate: number,
  seconds: number,
): Promise<{
  admitted: Histogram;
  refused: Histogram;
  sendLag: Histogram;
  statuses: Record<string, number>;
  sent: number;
  seconds: number;
}> {
  const send = poster(url);
  const admitted = newHistogram();
  const refused = newHistogram();
  const sendLag = newHistogram();
  const statuses: Record<string, number> = {};
  const inflight = new Set<Promise<void>>();
  const intervalMs = 1000 / rate;
  const total = Math.round(rate * seconds);
  const t0 = epochNow() + 5;
  const post = async (intended: number) => {
    const status = await send();
    statuses[status] = (statuses[status] ?? 0) + 1;
    const us = Math.max(1, Math.round((epochNow() - intended) * 1000));
    (status === "202" ? admitted : refused).recordValue(us);
  };
  const deadline = t0 + seconds * 1000;
  let sent = 0;
  for (let k = 0; k < total; k++) {
    const due = t0 + k * intervalMs;
    // Bounded in time: a generator that fell behind stops at the deadline (what it did not send is
    // reported as the gap between offered and sent), so the row never runs long.
    if (epochNow() > deadline) break;
    const wait = due - epochNow();
    if (wait > 1) await Bun.sleep(wait);
    while (inflight.size >= GENERATOR_IN_FLIGHT) await Promise.race(inflight);
    const now = epochNow();
    // An early timer uses the real send time; a late send keeps the intended one (no coordinated omission).
    const ref = Math.min(due, now);
    sendLag.recordValue(Math.max(1, Math.round((now - due) * 1000)));
    const p = post(ref);
    sent++;
    inflight.add(p);
    void p.then(() => inflight.delete(p));
    if (k % 256 === 0) progress.update(`overload: ${Math.round((100 * k) / total)} %`);
  }
  await Promise.all(inflight);
  return { admitted, refused, sendLag, statuses, sent, seconds: (epochNow() - t0) / 1000 };
}

/** /health probed from a process of its own for `seconds`, every `everyMs`; resolves with its figures. */
async function probeHealth(url: string, everyMs: number, seconds: number): Promise<HealthFigures> {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "clients/health-probe.ts"),
      url,
      String(everyMs),
      String(seconds),
    ],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as HealthFigures;
}

function sampleRss(t: Target, everyMs: number): { stop: () => number } {
  let peak = t.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, t.rss());
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, t.rss());
    },
  };
}

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const failures: string[] = [];
  const notes: string[] = [];
  const capacitySecs = ctx.quick ? 1.5 : 5;
  const overloadSecs = ctx.quick ? 3 : 10;
  const r = await withTargets(
    () => startOurs(ctx, { INGEST_MAX_IN_FLIGHT: String(ADMISSION) }),
    async (targets): Promise<OverloadResult> => {
      const t = targets[0]!;
      progress.update("overload: warm-up");
      await capacity(t.url, 8, ctx.quick ? 1 : 2);
      progress.update("overload: capacity");
      const cap = await capacity(t.url, ADMISSION, capacitySecs);
      const capacityReqPerSec = cap.reqPerSec;
      const capErrors = Object.entries(cap.statuses).filter(([st]) => st !== "202");
      if (capErrors.length > 0)
        failures.push(`capacity run: requests not answered 202: ${JSON.stringify(cap.statuses)}`);
      const offered = 3 * capacityReqPerSec;
      const rssStart = t.rss();
      const rss = sampleRss(t, 100);
      const health = probeHealth(t.url, 50, overloadSecs);
      const o = await offer(t.url, offered, overloadSecs);
      const hp = await health;
      const peak = rss.stop();
      const rssEnd = t.rss();
      progress.clear();
      const admittedReq = o.statuses["202"] ?? 0;
      const admittedReqPerSec = admittedReq / o.seconds;
      return {
        capacityReqPerSec,
        capacityMsgPerSec: capacityReqPerSec * BATCH,
        offeredReqPerSec: offered,
        sentReqPerSec: o.sent / o.seconds,
        admittedReqPerSec,
        admittedMsgPerSec: admittedReqPerSec * BATCH,
        admittedShare: admittedReqPerSec / capacityReqPerSec,
        admitted: percentiles(o.admitted),
        refused: percentiles(o.refused),
        statuses: o.statuses,
        sendLag: percentiles(o.sendLag),
        health: hp,
        rss: { start: rssStart, peak, end: rssEnd },
        seconds: o.seconds,
      };
    },
  );
  for (const [status, n] of Object.entries(r.statuses)) {
    if (status !== "202" && status !== "503" && status !== "429")
      failures.push(`overload: ${n} requests answered ${status} (only 202, 503 and 429 are expected)`);
  }
  const table: Table = {
    title: `Ingest at 3× capacity (${describeOurs(ctx)}, batches of ${BATCH}, INGEST_MAX_IN_FLIGHT=${ADMISSION}, ${fmt(r.seconds, 1)} s open loop), latency ms from the intended send time`,
    columns: ["measure", "req/s", "msg/s", "p50", "p99", "p99.9", "max", "count"],
    rows: [
      [
        `capacity (closed loop, ${ADMISSION} publishers)`,
        fmt(r.capacityReqPerSec),
        fmt(r.capacityMsgPerSec),
        "",
        "",
        "",
        "",
        "",
      ],
      [
        "offered 3× (sent)",
        `${fmt(r.offeredReqPerSec)} (${fmt(r.sentReqPerSec)})`,
        "",
        ms(r.sendLag.p50),
        ms(r.sendLag.p99),
        ms(r.sendLag.p999),
        ms(r.sendLag.max),
        "",
      ],
      [
        `admitted 202 (${(100 * r.admittedShare).toFixed(0)} % of capacity)`,
        fmt(r.admittedReqPerSec),
        fmt(r.admittedMsgPerSec),
        ms(r.admitted.p50),
        ms(r.admitted.p99),
        ms(r.admitted.p999),
        ms(r.admitted.max),
        fmt(r.admitted.count),
      ],
      [
        `refused (${
          Object.entries(r.statuses)
            .filter(([s]) => s !== "202")
            .map(([s, n]) => `${s}: ${fmt(n)}`)
            .join(", ") || "none"
        })`,
        "",
        "",
        ms(r.refused.p50),
        ms(r.refused.p99),
        ms(r.refused.p999),
        ms(r.refused.max),
        fmt(r.refused.count),
      ],
      [
        `/health every 50 ms, own process (${r.health.over1s} over 1 s)`,
        "",
        "",
        ms(r.health.p50),
        ms(r.health.p99),
        ms(r.health.p999),
        ms(r.health.max),
        fmt(r.health.count),
      ],
      [
        `server RSS MiB: start ${mib(r.rss.start)}, peak ${mib(r.rss.peak)}, end ${mib(r.rss.end)}`,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
      ],
    ],
  };
  const verdict = r.admittedShare >= 0.9 ? "meets" : "below";
  notes.push(
    `admitted ${(100 * r.admittedShare).toFixed(0)} % of capacity under 3× offered load (${verdict} the 90 % target)`,
  );
  if (r.sentReqPerSec < 0.9 * r.offeredReqPerSec)
    notes.push(
      `the generator sent ${fmt(r.sentReqPerSec)} req/s of the ${fmt(r.offeredReqPerSec)} offered (machine-bound)`,
    );
  if (r.health.max > 1000)
    notes.push(`/health took up to ${ms(r.health.max)} ms (over the 1 s probe timeout)`);
  return { suite: "overload", quick: ctx.quick, data: { result: r }, tables: [table], failures, notes };
}
