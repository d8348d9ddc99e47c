import { type Histogram, newHistogram } from "./hdr.ts";

/** A threat payload of exactly `bytes` bytes of JSON (256 in the suite). */
export function payloadOf(bytes: number): string {
  const head =
    '{"threatLevel":"high","source":"bench","title":"benchmark threat","indicators":["ipv4:203.0.113.7"],"confidence":0.9,"ttl":3600,"description":"';
  const pad = Math.max(0, bytes - head.length - 2);
  return `${head}${"x".repeat(pad)}"}`;
}

export const epochNow = () => performance.timeOrigin + performance.now();

export interface LoadResult {
  /** Messages acknowledged with 202. */
  acked: number;
  requests: number;
  /** Requests that failed or were not answered 202. */
  errors: number;
  statuses: Record<string, number>;
  /** Request latency in µs, measured from the intended send time. */
  ingest: Histogram;
  seconds: number;
}

function body(batch: number, ts: number, payload: string, single: boolean): string {
  const one = `{"priority":"high","timestamp":${ts},"payload":${payload}}`;
  if (single) return one;
  return `[${new Array(batch).fill(one).join(",")}]`;
}

class Tally {
  acked = 0;
  requests = 0;
  errors = 0;
  readonly statuses: Record<string, number> = {};
  readonly ingest = newHistogram();

  async post(url: string, text: string, count: number, intended: number): Promise<void> {
    this.requests++;
    let status = "error";
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
      });
      await res.arrayBuffer();
      status = String(res.status);
      if (res.status === 202) this.acked += count;
      else this.errors++;
    } catch {
      this.errors++;
    }
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    this.ingest.recordValue(Math.max(1, Math.round((epochNow() - intended) * 1000)));
  }

  result(seconds: number): LoadResult {
    const { acked, requests, errors, statuses, ingest } = this;
    return { acked, requests, errors, statuses, ingest, seconds };
  }
}

export interface RateOptions {
  urls: string[];
  feed: string;
  /** Messages per second. */
  rate: number;
  seconds: number;
  /** Messages per request (1 = single-message POSTs). */
  batch: number;
  payloadBytes?: number;
  /** Requests in flight beyond which the generator waits (it keeps the intended times). */
  maxInFlight?: number;
  onTick?: (done: number, total: number) => void;
}

/**
 * Open-loop load at a fixed rate. Request k is due at t0 + k·interval whatever happened before, its
 * messages carry that intended time as `timestamp`, and every latency is measured from it: a stalled
 * server is charged for the whole stall (no coordinated omission).
 */
export async function fixedRate(o: RateOptions): Promise<LoadResult> {
  const payload = payloadOf(o.payloadBytes ?? 256);
  const single = o.batch === 1;
  const intervalMs = (1000 * o.batch) / o.rate;
  const total = Math.max(1, Math.round((o.rate * o.seconds) / o.batch));
  const tally = new Tally();
  const inflight = new Set<Promise<void>>();
  const maxInFlight = o.maxInFlight ?? 512;
  const t0 = epochNow() + 5;
  for (let k = 0; k < total; k++) {
    const due = t0 + k * intervalMs;
    const wait = due - epochNow();
    if (wait > 1) await Bun.sleep(wait);
    while (inflight.size >= maxInFlight) await Promise.race(inflight);
    const url = `${o.urls[k % o.urls.length]}/v1/feeds/${o.feed}/messages`;
    // A timer may fire a little early: then the real send time is the reference (never before it);
    // a late send keeps the intended time, so the delay is charged to the run.
    const ref = Math.min(due, epochNow());
    const p = tally.post(url, body(o.batch, ref, payload, single), o.batch, ref);
    inflight.add(p);
    void p.then(() => inflight.delete(p));
    if (k % 64 === 0) o.onTick?.(k, total);
  }
  await Promise.all(inflight);
  return tally.result((epochNow() - t0) / 1000);
}

export interface MaxOptions {
  urls: string[];
  feed: string;
  seconds: number;
  batch: number;
  /** Concurrent request loops. */
  concurrency: number;
  payloadBytes?: number;
  /**
   * End-to-end flow control: messages the slowest subscriber has received. A loop waits while more
   * than `window` messages are posted but not yet delivered, so that the run measures the delivery
   * rate the subscribers sustain instead of overrunning them into slow-consumer closes.
   */
  delivered?: () => number;
  window?: number;
}

/** Closed-loop load for throughput: `concurrency` loops, each posting as soon as its last one answered. */
export async function maxRate(o: MaxOptions): Promise<LoadResult> {
  const payload = payloadOf(o.payloadBytes ?? 256);
  const tally = new Tally();
  const t0 = epochNow();
  const end = t0 + o.seconds * 1000;
  let k = 0;
  let posted = 0;
  const window = o.window ?? Number.POSITIVE_INFINITY;
  const loop = async () => {
    while (epochNow() < end) {
      if (o.delivered !== undefined) {
        while (posted - o.delivered() > window && epochNow() < end) await Bun.sleep(1);
        if (epochNow() >= end) break;
      }
      posted += o.batch;
      const url = `${o.urls[k++ % o.urls.length]}/v1/feeds/${o.feed}/messages`;
      const now = epochNow();
      await tally.post(url, body(o.batch, now, payload, o.batch === 1), o.batch, now);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  return tally.result((epochNow() - t0) / 1000);
}
