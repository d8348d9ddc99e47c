import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ErrorCode, TacError } from "../../protocol/errors.ts";
import { TokenBucketLimiter } from "../../resilience/mod.ts";
import type { NodeContext } from "../../server/plugin.ts";
import { decodeBody } from "../body.ts";
import { feedIdParam } from "../routes.ts";
import type { FeedsService } from "./service.ts";
import { catalogListing, type FeedStatusView } from "./status.ts";

export interface RateSpec {
  rate: number;
  burst: number;
}

export interface FeedRoutesOptions {
  /** Deliveries per second per client IP, before authentication (default 20/s, burst 40). */
  webhookIpRate?: RateSpec;
  /** Deliveries per second per webhook feed when the feed sets no `rateLimit` (default 100/s, burst 200). */
  webhookSourceRate?: RateSpec;
  now?: () => number;
}

/** The client's address, as the node sees it. */
export function clientIp(c: Context, ctx: NodeContext): string {
  return ctx.clientIp(c.req.raw);
}

function rateLimited(what: string, retryAfterMs: number): TacError {
  return new TacError(ErrorCode.RateLimited, `too many webhook deliveries (${what})`, {
    retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}

/**
 * `GET /v1/feeds` — every feed the caller may read, with its live status.
 * `POST /v1/webhooks/:feedId` — a source's own JSON, mapped by the feed's `mapping`; same auth, body
 * limit and answer as `POST /v1/feeds/:feedId/messages`.
 */
export function mountFeedRoutes(
  app: Hono,
  ctx: NodeContext,
  service: () => FeedsService,
  o: FeedRoutesOptions = {},
): void {
  const now = o.now ?? Date.now;
  const ipRate = o.webhookIpRate ?? { rate: 20, burst: 40 };
  const byIp = new TokenBucketLimiter({ ...ipRate, now });
  const defaultSource = o.webhookSourceRate ?? { rate: 100, burst: 200 };
  const bySource = new Map<string, TokenBucketLimiter>();
  const sourceLimiter = (feedId: string, spec: RateSpec | undefined): TokenBucketLimiter => {
    let l = bySource.get(feedId);
    if (l === undefined) {
      l = new TokenBucketLimiter({ ...(spec ?? defaultSource), now, maxKeys: 1 });
      bySource.set(feedId, l);
    }
    return l;
  };

  app.get("/v1/feeds", async (c) => {
    const caller = await ctx.access.authenticate(c.req.raw, clientIp(c, ctx));
    const hub = ctx.hub;
    // Configured feeds have a status before the feeds service starts polling; journal-only ones never do.
    let statuses: FeedStatusView[];
    try {
      statuses = service().statuses();
    } catch {
      statuses = [];
    }
    const feeds = catalogListing(statuses, hub.catalog.entries()).filter((f) => caller.canSubscribe(f.id));
    return c.json({ epoch: hub.epoch, last: hub.processed, feeds });
  });

  const maxPayload = ctx.config.MAX_PAYLOAD;
  app.post(
    "/v1/webhooks/:feedId",
    // Before the body is read: a flood from one address costs no parsing, no auth, no body.
    async (c, next) => {
      const r = byIp.tryAcquire(clientIp(c, ctx));
      if (!r.ok) throw rateLimited("per address", r.retryAfterMs);
      await next();
    },
    bodyLimit({
      maxSize: maxPayload,
      onError: () => {
        throw new TacError(
          ErrorCode.PayloadTooLarge,
          `request body is larger than MAX_PAYLOAD (${maxPayload} bytes)`,
        );
      },
    }),
    async (c) => {
      const feedId = feedIdParam(c.req.param("feedId"));
      const svc = service();
      const feed = svc.feeds.get(feedId);
      if (feed === undefined || feed.kind !== "webhook" || !feed.enabled) {
        throw new TacError(ErrorCode.NotFound, `no webhook feed ${feedId}`, { feedId });
      }
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
        throw new TacError(ErrorCode.UnsupportedMediaType, "Content-Type must be application/json");
      }
      const ip = clientIp(c, ctx);
      const body = new Uint8Array(await c.req.arrayBuffer());
      const published = await ctx.access.authorizePublish(
        c.req.raw,
        feedId,
        async () => body,
        () => ip,
      );
      // Decoded only after the signature check on the raw bytes.
      decodeBody(body);
      // After authentication, so nobody without rights can use up a source's allowance.
      const r = sourceLimiter(feedId, feed.rateLimit).tryAcquire(feedId);
      if (!r.ok) throw rateLimited("per source", r.retryAfterMs);
      const { caller, grant } = published;
      const { ids, seqs } = await svc.deliver(feed, body, type);
      ctx.audit({ event: "publish", sub: caller.sub, feedId, grant, count: ids.length, ip });
      return c.json({ accepted: ids.length, ids, seqs }, 202);
    },
  );
}
