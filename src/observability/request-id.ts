import type { MiddlewareHandler } from "hono";
import type { Logger } from "./log.ts";

export const REQUEST_ID_HEADER = "x-request-id";
const VALID = /^[A-Za-z0-9._:-]{1,64}$/;
const ids = new WeakMap<Request, string>();

/** The caller's `X-Request-Id` when it is sane (it ends up in logs), else a fresh random one. */
export function requestIdFor(req: Request): string {
  let id = ids.get(req);
  if (id === undefined) {
    const given = req.headers.get(REQUEST_ID_HEADER);
    id = given !== null && VALID.test(given) ? given : crypto.randomUUID();
    ids.set(req, id);
  }
  return id;
}

/** A child logger carrying the request id (and any fields given: `feed`, `sub`). */
export function requestLogger(log: Logger, req: Request, fields: Record<string, unknown> = {}): Logger {
  return log.child({ reqId: requestIdFor(req), ...fields });
}

/**
 * Hono middleware: gives every request an id, echoes it in `X-Request-Id`, and logs failed requests
 * (status ≥ 500 at `error`, 4xx at `debug`) with that id, so a client's report can be found in the logs.
 */
export function requestId(log?: Logger): MiddlewareHandler {
  return async (c, next) => {
    const id = requestIdFor(c.req.raw);
    const t0 = performance.now();
    await next();
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {
      // Immutable headers (a proxied Response): the id still reaches the log line below.
    }
    if (log === undefined || c.res.status < 400) return;
    const fields = {
      reqId: id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      code: c.res.headers.get("x-error-code") ?? undefined,
      ms: Math.round((performance.now() - t0) * 10) / 10,
    };
    if (c.res.status >= 500) log.error("request failed", fields);
    else log.debug("request refused", fields);
  };
}
