/**
 * The seed's alert rules as a pure evaluator: fed cumulative counters every few seconds, it computes
 * the rates over the last window and says which alerts were raised or cleared. No timers, no I/O: the
 * plugin drives it and posts transitions to `system.alerts`.
 */

export interface AlertThresholds {
  /** Share of HTTP requests answered 5xx in a window (0.05 = 5 %). */
  errorRate: number;
  /** Average ingest→publish latency in a window, seconds. */
  latencySeconds: number;
  /** Messages journaled but not yet fanned out by this node. */
  queueDepth: number;
  /** Fewer requests than this in a window say nothing about the error rate (1 failure in 2 is not 50 %). */
  minRequests: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  errorRate: 0.05,
  latencySeconds: 1,
  queueDepth: 1000,
  minRequests: 20,
};

/** Cumulative figures read from the registry at one instant. */
export interface AlertSample {
  requests: number;
  serverErrors: number;
  latencySum: number;
  latencyCount: number;
  queueDepth: number;
}

export type AlertName = "error_rate" | "latency" | "queue_depth";

export interface AlertTransition {
  alert: AlertName;
  state: "raised" | "cleared";
  value: number;
  threshold: number;
  /** Epoch ms of the evaluation. */
  at: number;
  message: string;
}

export class AlertEvaluator {
  readonly #t: AlertThresholds;
  readonly #now: () => number;
  readonly #active = new Set<AlertName>();
  #prev: AlertSample | undefined;

  constructor(thresholds: Partial<AlertThresholds> = {}, now: () => number = Date.now) {
    this.#t = { ...DEFAULT_THRESHOLDS, ...thresholds };
    this.#now = now;
  }

  get active(): readonly AlertName[] {
    return [...this.#active];
  }

  /**
   * Compares `sample` with the previous one. A rule with no data in the window (no requests, no
   * messages) keeps its state: silence neither raises nor clears an alert.
   */
  evaluate(sample: AlertSample): AlertTransition[] {
    const prev = this.#prev;
    this.#prev = sample;
    const out: AlertTransition[] = [];
    const at = this.#now();
    const check = (alert: AlertName, value: number | undefined, threshold: number, what: string) => {
      if (value === undefined) return;
      const over = value > threshold;
      if (over === this.#active.has(alert)) return;
      if (over) this.#active.add(alert);
      else this.#active.delete(alert);
      const state = over ? "raised" : "cleared";
      const message = over
        ? `${what} ${fmt(value)} is above ${fmt(threshold)}`
        : `${what} back to ${fmt(value)} (threshold ${fmt(threshold)})`;
      out.push({ alert, state, value, threshold, at, message });
    };

    if (prev !== undefined) {
      const requests = sample.requests - prev.requests;
      const errors = sample.serverErrors - prev.serverErrors;
      check(
        "error_rate",
        requests >= this.#t.minRequests ? errors / requests : undefined,
        this.#t.errorRate,
        "error rate",
      );
      const n = sample.latencyCount - prev.latencyCount;
      check(
        "latency",
        n > 0 ? (sample.latencySum - prev.latencySum) / n : undefined,
        this.#t.latencySeconds,
        "average latency (s)",
      );
    }
    check("queue_depth", sample.queueDepth, this.#t.queueDepth, "queue depth");
    return out;
  }
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}
