import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ErrorCode, TacError } from "../protocol/errors.ts";

/** Every error leaves as `{ error: { code, message, path? } }` with the status its code maps to. */
export function errorResponse(err: unknown, c: Context, log?: (err: unknown) => void): Response {
  let e: TacError;
  if (err instanceof TacError) e = err;
  else if (err instanceof HTTPException && err.status === 413) {
    e = new TacError(ErrorCode.PayloadTooLarge, "request body is larger than MAX_PAYLOAD");
  } else if (err instanceof HTTPException) {
    e = new TacError(err.status === 401 ? ErrorCode.Unauthorized : ErrorCode.BadOp, err.message);
  } else {
    log?.(err);
    e = new TacError(ErrorCode.Internal, "internal error");
  }
  const headers: Record<string, string> = { "x-error-code": e.code };
  if (e.retryAfter !== undefined) headers["Retry-After"] = String(Math.max(1, Math.ceil(e.retryAfter)));
  return c.json({ error: e.toJSON() }, e.status as 400, headers);
}
