import type { Context, Hono } from "hono";
import * as v from "valibot";
import { ErrorCode, TacError } from "../../protocol/errors.ts";
import type { Caller } from "../../server/access.ts";
import type { NodeContext } from "../../server/plugin.ts";
import type { EmitResult } from "../feeds/emit.ts";
import type { DlqEntry, DlqStore } from "./store.ts";

export interface DlqRouteDeps {
  dlq: () => DlqStore;
  replay: (entry: DlqEntry) => Promise<EmitResult>;
  clientIp: (c: Context) => string;
}

const Limit = v.pipe(
  v.string(),
  v.regex(/^\d{1,4}$/, "must be a whole number"),
  v.transform(Number),
  v.minValue(1),
  v.maxValue(1000),
);
const Id = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "not a DLQ id"),
);

function param<T extends v.GenericSchema<string, unknown>>(
  schema: T,
  raw: string,
  name: string,
): v.InferOutput<T> {
  const r = v.safeParse(schema, raw);
  if (!r.success) throw TacError.validation(r.issues[0].message, name);
  return r.output;
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  // In slices: spreading a megabyte into one fromCharCode call would overflow the argument stack.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function visibleEntry(caller: Caller, e: DlqEntry, grant: "subscribe" | "publish"): boolean {
  return grant === "subscribe" ? caller.canSubscribe(e.feedId) : caller.canPublish(e.feedId);
}

function found(dlq: DlqStore, id: string, caller: Caller, grant: "subscribe" | "publish"): DlqEntry {
  const e = dlq.get(id);
  // An entry of a feed the caller may not see answers exactly like a missing one: ids leak nothing.
  if (e === undefined || !visibleEntry(caller, e, "subscribe")) {
    throw new TacError(ErrorCode.NotFound, `no DLQ entry ${id}`);
  }
  if (!visibleEntry(caller, e, grant)) {
    throw new TacError(ErrorCode.Forbidden, `not allowed to publish to ${e.feedId}`, { feedId: e.feedId });
  }
  return e;
}

/**
 * `GET /v1/dlq?feed=&after=&limit=` — entries (without their raw bytes) of the feeds the caller may
 * read, oldest first, paged by `next`. `GET /v1/dlq/:id` — one entry with its raw bytes (base64).
 * `POST /v1/dlq/:id/replay` — parse and ingest it again (publish grant on its feed); it leaves the DLQ
 * on success.
 */
export function mountDlqRoutes(app: Hono, ctx: NodeContext, deps: DlqRouteDeps): void {
  const caller = (c: Context) => ctx.access.authenticate(c.req.raw, deps.clientIp(c));

  app.get("/v1/dlq", async (c) => {
    const who = await caller(c);
    const feed = c.req.query("feed");
    const after = c.req.query("after");
    const limit = param(Limit, c.req.query("limit") ?? "50", "limit");
    const page = deps.dlq().list({
      limit,
      ...(after === undefined ? {} : { after: param(Id, after, "after") }),
      visible: (e) => (feed === undefined || e.feedId === feed) && who.canSubscribe(e.feedId),
    });
    return c.json({ entries: page.entries, next: page.next ?? null });
  });

  app.get("/v1/dlq/:id", async (c) => {
    const id = param(Id, c.req.param("id"), "id");
    const dlq = deps.dlq();
    const e = found(dlq, id, await caller(c), "subscribe");
    const raw = await dlq.raw(id);
    return c.json({ ...e, raw: base64(raw) });
  });

  app.post("/v1/dlq/:id/replay", async (c) => {
    const id = param(Id, c.req.param("id"), "id");
    const who = await caller(c);
    const e = found(deps.dlq(), id, who, "publish");
    const { ids, seqs, duplicates, rejected } = await deps.replay(e);
    ctx.audit({
      event: "dlq_replay",
      sub: who.sub,
      feedId: e.feedId,
      count: ids.length,
      ip: deps.clientIp(c),
    });
    return c.json({ replayed: id, accepted: ids.length, ids, seqs, duplicates, rejected }, 200);
  });
}
