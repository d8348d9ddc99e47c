/**
 * Resilience primitives — pure, driven by an injected clock: rate limiters (sliding window, token
 * bucket, adaptive), a circuit breaker, and retry with full-jitter backoff.
 */
export {
  AdaptiveLimiter,
  type AdaptiveLimiterOptions,
  type AdaptiveSnapshot,
  type Outcome,
} from "./adaptive.ts";
export {
  AdmissionController,
  type AdmissionOptions,
  type AdmissionResult,
  type Admitted,
} from "./admission.ts";
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitSnapshot,
  type CircuitState,
} from "./circuit-breaker.ts";
export { LruMap } from "./lru.ts";
export { backoff, isRetryable, type RetryOptions, retry, type Sleep, sleep } from "./retry.ts";
export { SlidingWindowCounter, SlidingWindowLimiter, type SlidingWindowOptions } from "./sliding-window.ts";
export { TokenBucketLimiter, type TokenBucketOptions } from "./token-bucket.ts";
export { type AcquireResult, type Now, retryAfterSeconds } from "./types.ts";
