import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Hub } from "../hub/hub.ts";
import { streamRoutes, type Upgrade } from "../hub/routes.ts";
import type { Ingestor } from "../ingest/ingestor.ts";
import { ingestRoutes } from "../ingest/routes.ts";
import type { Journal } from "../journal/journal.ts";
import type { Logger } from "../observability/log.ts";
import { requestId } from "../observability/request-id.ts";
import { ErrorCode, TacError } from "../protocol/errors.ts";
import type { AdmissionController } from "../resilience/admission.ts";
import type { AccessControl } from "./access.ts";
import type { EventBus } from "./events.ts";
import { errorResponse } from "./http-errors.ts";
import { securityHeaders } from "./security-headers.ts";

export interface AppDeps {
  journal: Journal;
  ingestor: Ingestor;
  hub: Hub;
  access: AccessControl;
  /** Gives every request an `X-Request-Id` and logs failed requests with it. */
  logger?: Logger;
  /** Whether the node can serve (journal usable, fan-out started); defaults to the journal's status. */
  status?: () => { ready: boolean; reason?: string };
  /** Extra `/ready` fields from the plugins (e.g. the feed lease). */
  readiness?: () => Record<string, string>;
  events?: EventBus;
  /** The `Access-Control-Allow-Origin` for a request's Origin, or null for none (ALLOWED_ORIGINS). */
  corsOrigin?: (origin: string) => string | null;
  onPublished?: (e: { sub: string; feedId: string; grant: string; count: number; ip: string }) => void;
  maxPayload: number;
  maxBatch: number;
  admission?: AdmissionController;
  parseJson?: (text: string) => unknown;
  opsPerSecond: number;
  upgrade: () => Upgrade;
  clientIp?: (req: Request) => string;
  log?: (err: unknown) => void;
  /** Extra routes (feeds admin, DLQ, metrics, dashboard) mounted by the server as they are enabled. */
  extend?: (app: Hono) => void;
}

/** The HTTP surface: web-standard, runtime-free; the runtime provides `upgrade` and serves `fetch`. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  if (deps.logger !== undefined) app.use(requestId(deps.logger));
  const events = deps.events;
  const status = deps.status ?? (() => deps.journal.status());
  if (events !== undefined) {
    app.use(async (c, next) => {
      if (!events.has("http")) return next();
      const t0 = performance.now();
      await next();
      const code = c.res.status >= 400 ? (c.res.headers.get("x-error-code") ?? undefined) : undefined;
      const e = {
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        seconds: (performance.now() - t0) / 1000,
      };
      events.emit("http", code === undefined ? e : { ...e, code });
    });
  }

  app.use(securityHeaders());
  const corsOrigin = deps.corsOrigin;
  if (corsOrigin !== undefined) {
    const corsHeaders = cors({
      origin: (o) => corsOrigin(o),
      allowHeaders: ["Authorization", "Content-Type"],
    });
    // Only browsers send Origin; sources posting webhooks server-to-server skip the CORS work entirely.
    app.use("/v1/*", (c, next) => (c.req.raw.headers.has("origin") ? corsHeaders(c, next) : next()));
  }

  // Liveness fails only when the node cannot recover by itself (the journal says so): an orchestrator
  // restarting it is then the fix. Everything else (NATS away, starting) is /ready's business.
  app.get("/health", (c) => {
    const s = deps.journal.status();
    if (s.fatal === true) return c.json({ status: "failed", reason: s.reason }, 503);
    return c.json({ status: "ok" });
  });
  app.get("/ready", (c) => {
    const s = status();
    const body = {
      ready: s.ready,
      journal: deps.journal.kind,
      auth: deps.access.mode,
      ...deps.readiness?.(),
      reason: s.reason,
    };
    return c.json(body, s.ready ? 200 : 503, s.ready ? {} : { "Retry-After": "1" });
  });

  // Before the journal is usable, ingestion and streaming answer 503 instead of hanging.
  // A journal that only lost its writes (disk full, read-only) still serves reads: replays, resumes and
  // upgrades are GETs and go on; writes get the 503.
  app.use("/v1/*", async (c, next) => {
    const s = status();
    if (!s.ready && !(c.req.method === "GET" && deps.journal.status().readable === true)) {
      throw TacError.unavailable(`journal not ready: ${s.reason ?? "starting"}`, 1);
    }
    await next();
  });
  app.route("/", ingestRoutes(deps));
  app.route("/", streamRoutes(deps));
  deps.extend?.(app);

  app.notFound((c) =>
    errorResponse(new TacError(ErrorCode.NotFound, `no route for ${c.req.method} ${c.req.path}`), c),
  );
  app.onError((err, c) => errorResponse(err, c, deps.log));
  return app;
}
