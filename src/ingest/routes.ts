import { Hono } from "hono";
import * as v from "valibot";
import { ErrorCode, TacError } from "../protocol/errors.ts";
import { FeedIdSchema, PRIORITIES } from "../protocol/message.ts";
import type { AdmissionController } from "../resilience/admission.ts";
import type { AccessControl } from "../server/access.ts";
import type { EventBus } from "../server/events.ts";
import { decodeBody, parseIngestBody } from "./body.ts";
import { checkDeclaredLength, readBytesLimited } from "./body-limit.ts";
import type { Ingestor } from "./ingestor.ts";

export interface IngestRouteDeps {
  ingestor: Ingestor;
  access: AccessControl;
  events?: EventBus;
  maxPayload: number;
  maxBatch: number;
  /** Bounds the ingest work in flight; past it, requests get 503 with Retry-After before their body is read. */
  admission?: AdmissionController;
  parseJson?: (text: string) => unknown;
  clientIp?: (req: Request) => string;
  /** Called after a publish is stored (the audit log records who used which grant). */
  onPublished?: (e: { sub: string; feedId: string; grant: string; count: number; ip: string }) => void;
}

const JSON_TYPE = { "content-type": "application/json" } as const;

/**
 * `{"accepted":n,"ids":[…],"seqs":[…]}` by concatenation: ids are UUIDs and seqs integers, so nothing
 * needs escaping, and this answer is written for every webhook request.
 */
export function acceptedJson(ids: readonly string[], seqs: readonly number[]): string {
  return `{"accepted":${ids.length},"ids":["${ids.join('","')}"],"seqs":[${seqs.join(",")}]}`;
}

export function feedIdParam(raw: string): string {
  const res = v.safeParse(FeedIdSchema, raw);
  if (!res.success) throw TacError.validation(res.issues[0].message, "feedId");
  return res.output;
}

/** `POST /v1/feeds/:feedId/messages`: one message or a batch; 202 only once the journal holds it. */
export function ingestRoutes(deps: IngestRouteDeps): Hono {
  const app = new Hono();
  const parseJson = deps.parseJson ?? JSON.parse;
  const admission = deps.admission;
  app.post(
    "/v1/feeds/:feedId/messages",
    async (c, next) => {
      if (admission === undefined) return next();
      const declared = Number(c.req.header("content-length"));
      const bytes =
        Number.isFinite(declared) && declared >= 0 ? Math.min(declared, deps.maxPayload) : deps.maxPayload;
      const r = admission.tryAdmit(bytes);
      if (!r.ok) throw TacError.unavailable(`ingest at capacity (${r.reason}); retry later`, r.retryAfter);
      try {
        await next();
      } finally {
        r.ticket.release();
      }
    },
    async (c) => {
      checkDeclaredLength(c.req.raw, deps.maxPayload);
      const feedId = feedIdParam(c.req.param("feedId"));
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
        throw new TacError(ErrorCode.UnsupportedMediaType, "Content-Type must be application/json");
      }
      let address: string | undefined;
      const ip = () => {
        address ??= deps.clientIp?.(c.req.raw) ?? "";
        return address;
      };
      let read: Promise<Uint8Array> | undefined;
      const body = () => {
        read ??= readBytesLimited(c.req.raw, deps.maxPayload);
        return read;
      };
      const { caller, grant } = await deps.access.authorizePublish(c.req.raw, feedId, body, ip);
      // Decoded only after the signature check on the raw bytes.
      const text = decodeBody(await body());
      const messages = parseIngestBody(text, deps.maxBatch, parseJson);
      const t0 = performance.now();
      try {
        const { ids, seqs } = await deps.ingestor.ingest(feedId, messages);
        const seconds = (performance.now() - t0) / 1000;
        const byPriority = [0, 0, 0, 0];
        for (const m of messages) byPriority[PRIORITIES.indexOf(m.priority)]!++;
        deps.events?.emit("ingest", { feedId, count: ids.length, seconds, ok: true, byPriority });
        deps.onPublished?.({ sub: caller.sub, feedId, grant, count: ids.length, ip: ip() });
        return c.body(acceptedJson(ids, seqs), 202, JSON_TYPE);
      } catch (err) {
        const code = err instanceof TacError ? err.code : ErrorCode.Internal;
        const seconds = (performance.now() - t0) / 1000;
        deps.events?.emit("ingest", { feedId, count: messages.length, seconds, ok: false, code });
        throw err;
      }
    },
  );
  return app;
}
