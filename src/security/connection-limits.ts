import { ErrorCode } from "../protocol/errors.ts";
import { TokenBucketLimiter } from "../resilience/token-bucket.ts";
import { type Now, retryAfterSeconds } from "../resilience/types.ts";

export interface ConnectionLimitsOptions {
  now: Now;
  /** New connections per second per IP (default 10) … */
  perIpRate?: number;
  /** … with bursts up to this (default 20). */
  perIpBurst?: number;
  /** IPs remembered by the rate limiter (default 100,000; least recently seen forgotten first). */
  maxTrackedIps?: number;
  /** Open connections per authenticated subject (default 100). */
  maxPerSubject?: number;
  /** Retry-After, in seconds, for a subject at its cap (default 5): a slot frees only when one closes. */
  subjectRetryAfterSec?: number;
}

export type Admission =
  | { ok: true }
  | { ok: false; code: typeof ErrorCode.RateLimited; retryAfter: number; reason: "ip_rate" | "subject_cap" };

/**
 * Admission control for WebSocket upgrades: a token bucket per client IP (so one address cannot open
 * sockets in a loop) and a cap on concurrent connections per subject (so one leaked token cannot hold
 * the server's sockets). Every `admit` that returns ok must be paired with one `release`.
 */
export class ConnectionLimits {
  readonly #perIp: TokenBucketLimiter;
  readonly #open = new Map<string, number>();
  readonly #maxPerSubject: number;
  readonly #subjectRetryAfter: number;

  constructor(options: ConnectionLimitsOptions) {
    this.#perIp = new TokenBucketLimiter({
      rate: options.perIpRate ?? 10,
      burst: options.perIpBurst ?? 20,
      now: options.now,
      maxKeys: options.maxTrackedIps ?? 100_000,
    });
    this.#maxPerSubject = options.maxPerSubject ?? 100;
    this.#subjectRetryAfter = options.subjectRetryAfterSec ?? 5;
  }

  /**
   * Decides on one connection attempt. The IP's token is spent even when the subject cap then refuses:
   * the limit counts attempts, which is what a connect loop generates.
   * @param sub - the authenticated subject, or null when auth is off (no per-subject cap then).
   */
  admit(ip: string, sub: string | null): Admission {
    const rate = this.#perIp.tryAcquire(ip);
    if (!rate.ok) {
      return {
        ok: false,
        code: ErrorCode.RateLimited,
        retryAfter: retryAfterSeconds(rate.retryAfterMs),
        reason: "ip_rate",
      };
    }
    if (sub === null) return { ok: true };
    const open = this.#open.get(sub) ?? 0;
    if (open >= this.#maxPerSubject) {
      return {
        ok: false,
        code: ErrorCode.RateLimited,
        retryAfter: this.#subjectRetryAfter,
        reason: "subject_cap",
      };
    }
    this.#open.set(sub, open + 1);
    return { ok: true };
  }

  /** Frees the subject's slot when an admitted connection closes. */
  release(_ip: string, sub: string | null): void {
    if (sub === null) return;
    const open = this.#open.get(sub) ?? 0;
    if (open <= 1) this.#open.delete(sub);
    else this.#open.set(sub, open - 1);
  }

  /** Open connections of `sub` (for metrics and tests). */
  openFor(sub: string): number {
    return this.#open.get(sub) ?? 0;
  }
}
