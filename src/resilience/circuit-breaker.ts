import { TacError } from "../protocol/errors.ts";
import { type Now, requirePositive, retryAfterSeconds } from "./types.ts";

export type CircuitState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  now: Now;
  /** Shown in snapshots and errors, e.g. the feed id it guards. */
  name?: string;
  /** Consecutive failures that open a closed circuit (default 5). */
  failureThreshold?: number;
  /** How long the circuit stays open before letting probes through (default 60,000 ms). */
  openMs?: number;
  /** Successful probes that close a half-open circuit (default 3). */
  successThreshold?: number;
  /** Probes allowed in flight at once while half-open (default 1); more calls are refused. */
  halfOpenMaxInFlight?: number;
  /**
   * Whether an error counts against the circuit (default: every error). Return false for errors that
   * say nothing about the dependency's health, e.g. a 404 for one item.
   */
  isFailure?: (error: unknown) => boolean;
  /** Called after every transition, for metrics and alerts. It runs inside `execute`: it must not throw. */
  onStateChange?: (from: CircuitState, to: CircuitState, snapshot: CircuitSnapshot) => void;
}

/** The breaker as `/v1/feeds` shows it. */
export interface CircuitSnapshot {
  name?: string;
  state: CircuitState;
  consecutiveFailures: number;
  halfOpenSuccesses: number;
  /** When the circuit last opened (ms since epoch), or null. */
  openedAt: number | null;
  /** While open: ms until probes are let through; otherwise 0. */
  retryAfterMs: number;
  /** Calls refused without being attempted, since creation. */
  rejected: number;
  failures: number;
  successes: number;
  lastError: string | null;
}

/**
 * Closed → (N consecutive failures) → open → (after `openMs`) → half-open → (M successful probes) →
 * closed; any failure while half-open opens it again for another `openMs`. While open, `execute` refuses
 * at once with `TacError` UNAVAILABLE, message "circuit open", and `retryAfter` in seconds.
 */
export class CircuitBreaker {
  readonly #o: Required<Omit<CircuitBreakerOptions, "name" | "onStateChange">>;
  readonly #name: string | undefined;
  readonly #onStateChange: CircuitBreakerOptions["onStateChange"];
  #state: CircuitState = "closed";
  #consecutiveFailures = 0;
  #halfOpenSuccesses = 0;
  #inFlightProbes = 0;
  #openedAt: number | null = null;
  #rejected = 0;
  #failures = 0;
  #successes = 0;
  #lastError: string | null = null;

  constructor(options: CircuitBreakerOptions) {
    this.#o = {
      failureThreshold: 5,
      openMs: 60_000,
      successThreshold: 3,
      halfOpenMaxInFlight: 1,
      isFailure: () => true,
      ...options,
    };
    for (const name of ["failureThreshold", "openMs", "successThreshold", "halfOpenMaxInFlight"] as const) {
      requirePositive(name, this.#o[name]);
    }
    this.#name = options.name;
    this.#onStateChange = options.onStateChange;
  }

  /** The current state; an open circuit whose time is up reports (and becomes) half-open. */
  get state(): CircuitState {
    this.#refresh();
    return this.#state;
  }

  /**
   * Runs `fn` unless the circuit refuses it, and counts its outcome.
   * @throws TacError UNAVAILABLE ("circuit open") while open or when half-open probes are all in flight;
   *   otherwise whatever `fn` throws.
   */
  async execute<T>(fn: () => Promise<T> | T): Promise<T> {
    this.#refresh();
    const probing = this.#state === "half-open";
    if (this.#state === "open" || (probing && this.#inFlightProbes >= this.#o.halfOpenMaxInFlight)) {
      this.#rejected += 1;
      throw TacError.unavailable("circuit open", this.#retryAfter());
    }
    if (probing) this.#inFlightProbes += 1;
    try {
      const result = await fn();
      this.#onSuccess(probing);
      return result;
    } catch (error) {
      if (this.#o.isFailure(error)) this.#onFailure(probing, error);
      else this.#onSuccess(probing);
      throw error;
    } finally {
      if (probing) this.#inFlightProbes -= 1;
    }
  }

  /** Forces the circuit closed and clears its counters (an operator's "try again now"). */
  reset(): void {
    this.#consecutiveFailures = 0;
    this.#halfOpenSuccesses = 0;
    this.#openedAt = null;
    this.#transition("closed");
  }

  snapshot(): CircuitSnapshot {
    this.#refresh();
    const out: CircuitSnapshot = {
      state: this.#state,
      consecutiveFailures: this.#consecutiveFailures,
      halfOpenSuccesses: this.#halfOpenSuccesses,
      openedAt: this.#openedAt,
      retryAfterMs: this.#state === "open" ? this.#remainingOpenMs() : 0,
      rejected: this.#rejected,
      failures: this.#failures,
      successes: this.#successes,
      lastError: this.#lastError,
    };
    if (this.#name !== undefined) out.name = this.#name;
    return out;
  }

  #onSuccess(probing: boolean): void {
    this.#successes += 1;
    this.#consecutiveFailures = 0;
    // A success that started before the circuit opened says nothing about the dependency now.
    if (!probing || this.#state !== "half-open") return;
    this.#halfOpenSuccesses += 1;
    if (this.#halfOpenSuccesses >= this.#o.successThreshold) this.#transition("closed");
  }

  #onFailure(probing: boolean, error: unknown): void {
    this.#failures += 1;
    this.#lastError = error instanceof Error ? error.message : String(error);
    if (this.#state === "half-open" && probing) {
      this.#open();
      return;
    }
    if (this.#state !== "closed") return;
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures >= this.#o.failureThreshold) this.#open();
  }

  #open(): void {
    this.#openedAt = this.#o.now();
    this.#halfOpenSuccesses = 0;
    this.#transition("open");
  }

  #refresh(): void {
    if (this.#state === "open" && this.#remainingOpenMs() <= 0) {
      this.#halfOpenSuccesses = 0;
      this.#transition("half-open");
    }
  }

  #remainingOpenMs(): number {
    return Math.max(0, (this.#openedAt ?? 0) + this.#o.openMs - this.#o.now());
  }

  #retryAfter(): number {
    return this.#state === "open" ? retryAfterSeconds(this.#remainingOpenMs()) : 1;
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    if (to === "closed") this.#consecutiveFailures = 0;
    this.#onStateChange?.(from, to, this.snapshot());
  }
}
