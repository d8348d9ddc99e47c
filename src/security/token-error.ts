import { ErrorCode, TacError } from "../protocol/errors.ts";

/**
 * Why a credential was refused — a closed set, so it can be a metric label
 * (`tacstream_auth_failures_total{reason="expired"}`) and an audit field without leaking details.
 */
export type AuthFailureReason =
  | "missing"
  | "malformed"
  | "alg"
  | "bad_signature"
  | "unknown_key"
  | "expired"
  | "nbf"
  | "claims"
  | "replay";

/** A refused token or webhook signature: always UNAUTHORIZED (401), with a `reason`. */
export class AuthError extends TacError {
  readonly reason: AuthFailureReason;
  constructor(reason: AuthFailureReason, message: string, cause?: unknown) {
    super(ErrorCode.Unauthorized, message, cause === undefined ? {} : { cause });
    this.reason = reason;
  }
}
