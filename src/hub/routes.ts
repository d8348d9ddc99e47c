import { Hono } from "hono";
import * as v from "valibot";
import { feedIdParam } from "../ingest/routes.ts";
import type { Journal } from "../journal/journal.ts";
import { ErrorCode, TacError } from "../protocol/errors.ts";
import type { AccessControl } from "../server/access.ts";
import type { EventBus } from "../server/events.ts";
import { REPLAY_MAX_BYTES, replayPage } from "./http-replay.ts";
import { newSessionState, type SessionState } from "./session.ts";
import { negotiateProtocol, parseStreamQuery } from "./upgrade.ts";

export type Upgrade = (
  req: Request,
  init: { data: SessionState; headers?: Record<string, string> },
) => boolean;

export interface StreamRouteDeps {
  journal: Journal;
  access: AccessControl;
  opsPerSecond: number;
  /** Given by the runtime: hands the request to its WebSocket server with our session state. */
  upgrade: () => Upgrade;
  clientIp?: (req: Request) => string;
  /** Refused reads are reported here (the audit log). */
  events?: EventBus;
  /** Cap on the messages' JSON in one HTTP replay page (default REPLAY_MAX_BYTES). */
  replayMaxBytes?: number;
}

const Limit = v.pipe(
  v.string(),
  v.regex(/^\d{1,6}$/, "must be a whole number"),
  v.transform(Number),
  v.maxValue(10_000),
);
const Since = v.pipe(v.string(), v.regex(/^\d{1,16}$/, "must be a whole number"), v.transform(Number));

export function streamRoutes(deps: StreamRouteDeps): Hono {
  const app = new Hono();

  // Authentication happens here, in Hono; the socket itself is served by our own runtime handler so
  // that backpressure and drain stay visible (Hono's WebSocket wrapper hides them).
  app.get("/v1/stream", async (c) => {
    const req = c.req.raw;
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      throw new TacError(ErrorCode.BadOp, "GET /v1/stream expects a WebSocket upgrade");
    }
    // Everything that can refuse without a cost runs before admission takes a connection slot.
    if (!/^[A-Za-z0-9+/]{22}==$/.test(req.headers.get("sec-websocket-key")?.trim() ?? "")) {
      throw new TacError(ErrorCode.Validation, "Sec-WebSocket-Key missing or malformed", {
        path: "sec-websocket-key",
      });
    }
    const initial = parseStreamQuery(new URL(req.url));
    const { format, protocol } = negotiateProtocol(req.headers.get("sec-websocket-protocol"));
    const ip = deps.clientIp?.(req) ?? "";
    const caller = await deps.access.authenticate(req, ip);
    const release = deps.access.admitUpgrade(req, caller, ip);
    const init: Parameters<typeof newSessionState>[0] = {
      format,
      principal: caller,
      ip,
      initial,
      now: Date.now(),
      opsPerSecond: deps.opsPerSecond,
    };
    if (protocol !== undefined) init.protocol = protocol;
    const data = newSessionState(init);
    data.release = release;
    const headers = protocol === undefined ? undefined : { "Sec-WebSocket-Protocol": protocol };
    let ok = false;
    try {
      ok = deps.upgrade()(req, headers === undefined ? { data } : { data, headers });
    } finally {
      // The slot belongs to a socket only once the runtime took the request; otherwise it is freed here.
      if (!ok) release();
    }
    if (!ok) throw new TacError(ErrorCode.BadOp, "WebSocket upgrade failed");
    return new Response(null);
  });

  // Replay over HTTP: the same messages, the same positions, for clients that poll.
  app.get("/v1/feeds/:feedId/messages", async (c) => {
    const feedId = feedIdParam(c.req.param("feedId"));
    const ip = deps.clientIp?.(c.req.raw) ?? "";
    const caller = await deps.access.authenticate(c.req.raw, ip);
    if (!caller.canSubscribe(feedId)) {
      const route = new URL(c.req.url).pathname;
      deps.events?.emit("accessDenied", { sub: caller.sub, ip, feedId, route });
      throw new TacError(ErrorCode.Forbidden, `not allowed to read ${feedId}`, { feedId });
    }
    const since = parseQ(Since, c.req.query("since") ?? "0", "since");
    const limit = parseQ(Limit, c.req.query("limit") ?? "100", "limit");
    const pos = await deps.journal.position(feedId);
    const recovered = since + 1 >= pos.first && since <= pos.last;
    const page =
      recovered || since === 0
        ? await replayPage(deps.journal, feedId, since, limit, deps.replayMaxBytes ?? REPLAY_MAX_BYTES)
        : { texts: [], last: undefined, more: false };
    const body =
      `{"epoch":${JSON.stringify(pos.epoch)},"head":${pos.head},"earliest":${pos.first},"recovered":${recovered},` +
      `"next":${page.last ?? since},"more":${page.more},"messages":[${page.texts.join(",")}]}`;
    return c.body(body, 200, { "content-type": "application/json" });
  });

  return app;
}

function parseQ<T extends v.GenericSchema<string, number>>(schema: T, raw: string, name: string): number {
  const res = v.safeParse(schema, raw);
  if (!res.success) throw TacError.validation(`${name} ${res.issues[0].message}`, name);
  return res.output as number;
}
