import { type Now, retryAfterSeconds } from "./types.ts";

export interface AdmissionOptions {
  /** Requests admitted at once; more are refused instead of queued. */
  maxInFlight: number;
  /** Body bytes of the admitted requests (declared length, or the payload cap when undeclared). */
  maxBytes: number;
  now: Now;
}

/** A slot held by one admitted request; `release` is idempotent. */
export interface Admitted {
  release(): void;
}

export type AdmissionResult =
  | { ok: true; ticket: Admitted }
  | { ok: false; retryAfter: number; reason: string };

/**
 * Bounded in-flight work for ingest. Past capacity, queued requests only add latency and memory
 * (the issue measured p99 6 s, RSS ×5 and a 4.5 s /health): a refusal with Retry-After costs the client
 * one round trip and keeps what is admitted fast. Retry-After is the mean time a slot was held lately,
 * in whole seconds (at least 1), so clients come back about when capacity frees up.
 */
export class AdmissionController {
  readonly #opts: AdmissionOptions;
  #inFlight = 0;
  #bytes = 0;
  #meanHoldMs = 0;
  #refused = 0;

  constructor(opts: AdmissionOptions) {
    this.#opts = opts;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Requests refused since start (for metrics). */
  get refused(): number {
    return this.#refused;
  }

  tryAdmit(bytes: number): AdmissionResult {
    const o = this.#opts;
    let reason: string | undefined;
    if (this.#inFlight >= o.maxInFlight) reason = `${o.maxInFlight} requests in flight`;
    // One request alone may always pass the byte bound (MAX_PAYLOAD already caps it).
    else if (this.#inFlight > 0 && this.#bytes + bytes > o.maxBytes) reason = `${o.maxBytes} bytes in flight`;
    if (reason !== undefined) {
      this.#refused++;
      return { ok: false, retryAfter: retryAfterSeconds(this.#meanHoldMs), reason };
    }
    this.#inFlight++;
    this.#bytes += bytes;
    const t0 = o.now();
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.#inFlight--;
      this.#bytes -= bytes;
      const held = o.now() - t0;
      this.#meanHoldMs += (held - this.#meanHoldMs) * 0.05;
    };
    return { ok: true, ticket: { release } };
  }
}
