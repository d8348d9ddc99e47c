/**
 * Issue #18, item 5: the recent-message cache must hold about its budget, measured as the real server's
 * RSS from outside (/proc/<pid>/status), not as the cache's own count. Two runs of the same traffic — the
 * cache at a small budget, and the cache off — and the RSS of the first may exceed the second's only by
 * the budget plus a stated overhead (docs/architecture.md, "Memory").
 *
 * Traffic: single-feed batches with one JSON subscriber (so each message's JSON text is built and cached
 * too: the worst case), far past the budget; RSS is sampled after each batch is delivered, once the cache
 * is at steady state (filled three times over), and the medians compared: the collector's sawtooth moves
 * single samples by ±50 MB, the median of dozens much less.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { postMessages, startServer } from "../helpers/server.ts";

const MiB = 1024 * 1024;
const BUDGET = 32 * MiB;
/** What one cached message is charged, roughly: frame ≈ 640 B, JSON text ≈ 700 B, 192 B per entry. */
const COST = 1500;
const BATCH = 500;
/** Batches that pass three budgets through the cache: after them it is at steady state. */
const FILL = Math.ceil((3 * BUDGET) / COST / BATCH);
const SAMPLES = 40;
/**
 * The allowance stated in docs/architecture.md: RSS growth ≤ budget + OVERHEAD. Measured +44 and
 * +53, +55 MiB for this 32 MiB budget (12–23 MiB over); +76 MiB when evicted entries stayed reachable.
 */
const OVERHEAD = 40 * MiB;

/**
 * JavaScriptCore sizes its heap from the machine's RAM: on a large host it lets the heap reach about twice
 * its live size before collecting, and that headroom — not the cache — dominates RSS (measured 4–5 × the
 * budget with 24 GB of RAM, ±50 MB between runs). Told the node has 128 MiB, and collecting on the
 * allocating thread (a concurrent collector falls behind on two busy cores: samples spread over 100 MB),
 * it keeps close to what is live, which is what this test is about.
 */
const GC_ENV = { BUN_JSC_forceRAMSize: String(128 * MiB), BUN_JSC_useConcurrentGC: "0" };
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) * 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median RSS of the steady-state phase of one server run with RECENT_CACHE_BYTES = `cache`. */
async function steadyRss(cache: number): Promise<{ median: number; samples: number[] }> {
  const srv = await startServer({
    RECENT_CACHE_BYTES: String(cache),
    HEARTBEAT_INTERVAL_MS: "600000",
    ...GC_ENV,
  });
  try {
    const ws = new WebSocket(`${srv.wsUrl}/v1/stream?feeds=rss`, "tacstream.v1.json");
    let received = 0;
    let want = 0;
    let wake: (() => void) | undefined;
    ws.onmessage = (e) => {
      if (typeof e.data === "string" && e.data.startsWith('{"id"')) received++;
      if (received >= want) wake?.();
    };
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("subscriber did not connect"));
    });
    // The subscribe reply: from here on, every message posted is delivered to it.
    await new Promise<void>((resolve) => {
      ws.addEventListener("message", () => resolve(), { once: true });
    });
    const pad = "x".repeat(512);
    const samples: number[] = [];
    for (let b = 0; b < FILL + SAMPLES; b++) {
      const batch = Array.from({ length: BATCH }, (_, i) => ({
        priority: "high",
        payload: { title: `rss ${b}.${i}`, description: pad },
      }));
      const res = await postMessages(srv.url, "rss", batch);
      expect(res.status).toBe(202);
      want += BATCH;
      // Delivered before sampling: what is queued for the socket is not the cache's.
      if (received < want) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (b >= FILL) samples.push(rssOf(srv.proc.pid));
    }
    ws.close();
    return { median: median(samples), samples };
  } finally {
    await srv.stop();
  }
}

test("RSS with the recent cache at steady state stays within its budget + 40 MiB", async () => {
  const off = await steadyRss(0);
  const on = await steadyRss(BUDGET);
  const growth = on.median - off.median;
  console.log(
    `recent cache ${BUDGET / MiB} MiB: median RSS ${(on.median / MiB).toFixed(0)} MiB vs ` +
      `${(off.median / MiB).toFixed(0)} MiB with the cache off: +${(growth / MiB).toFixed(0)} MiB ` +
      `(${(growth / BUDGET).toFixed(2)} × budget); range on ${(Math.min(...on.samples) / MiB).toFixed(0)}–` +
      `${(Math.max(...on.samples) / MiB).toFixed(0)}, off ${(Math.min(...off.samples) / MiB).toFixed(0)}–` +
      `${(Math.max(...off.samples) / MiB).toFixed(0)} MiB`,
  );
  expect(growth).toBeLessThanOrEqual(BUDGET + OVERHEAD);
}, 120_000);
