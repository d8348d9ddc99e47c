/**
 * Live figures computed in the page from what it receives: messages per second, and the p99 of
 * (arrival − message timestamp). The timestamp is set at ingest unless the publisher gave one, and
 * replayed messages are old by nature, so samples above `maxLatencyMs` are not latency and are left out.
 */
export interface StatsSnapshot {
  /** Messages received during the last complete second. */
  rate: number;
  /** p99 latency in ms over the window; null without samples. */
  p99: number | null;
  total: number;
}

export class LiveStats {
  readonly #windowMs: number;
  readonly #maxLatencyMs: number;
  readonly #maxSamples: number;
  readonly #buckets = new Map<number, number>();
  #samples: Array<{ at: number; ms: number }> = [];
  #total = 0;

  constructor(opts: { windowMs?: number; maxLatencyMs?: number; maxSamples?: number } = {}) {
    this.#windowMs = opts.windowMs ?? 10_000;
    this.#maxLatencyMs = opts.maxLatencyMs ?? 60_000;
    this.#maxSamples = opts.maxSamples ?? 20_000;
  }

  record(receivedAt: number, timestamp: number): void {
    this.#total++;
    const sec = Math.floor(receivedAt / 1000);
    this.#buckets.set(sec, (this.#buckets.get(sec) ?? 0) + 1);
    const ms = receivedAt - timestamp;
    if (ms >= 0 && ms <= this.#maxLatencyMs) {
      this.#samples.push({ at: receivedAt, ms });
      if (this.#samples.length > this.#maxSamples * 1.5)
        this.#samples = this.#samples.slice(-this.#maxSamples);
    }
  }

  snapshot(now: number): StatsSnapshot {
    const sec = Math.floor(now / 1000);
    for (const k of this.#buckets.keys()) if (k < sec - 120) this.#buckets.delete(k);
    const from = now - this.#windowMs;
    let start = 0;
    while (start < this.#samples.length && this.#samples[start]!.at < from) start++;
    if (start > 0) this.#samples = this.#samples.slice(start);
    return {
      rate: this.#buckets.get(sec - 1) ?? 0,
      p99: percentile(
        this.#samples.map((s) => s.ms),
        0.99,
      ),
      total: this.#total,
    };
  }
}

/** Nearest-rank percentile; null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Open connections from Prometheus text: the first metric whose name ends in `connections` (or
 * `connections_active|open|current`), summed over its label sets. Undefined when there is none.
 */
export function connectionsFromMetrics(text: string): number | undefined {
  let name: string | undefined;
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const metric = m[1]!;
    if (name === undefined) {
      if (!/connections(_active|_open|_current)?$/.test(metric)) continue;
      name = metric;
    }
    if (metric !== name) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value)) sum += value;
  }
  return name === undefined ? undefined : sum;
}
