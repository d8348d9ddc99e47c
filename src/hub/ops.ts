import * as v from "valibot";
import { FeedIdSchema, PRIORITIES } from "../protocol/message.ts";

const RequestId = v.optional(v.union([v.pipe(v.string(), v.maxLength(64)), v.pipe(v.number(), v.integer())]));
/**
 * Anything with a `*` is taken as a pattern here and checked against the grant grammar by the hub, so a
 * pattern the grammar refuses gets BAD_PATTERN rather than a generic BAD_OP.
 */
const Pattern = v.pipe(v.string(), v.maxLength(130), v.includes("*"));
const FeedOrPattern = v.union([FeedIdSchema, Pattern], "feed id must match [a-z0-9][a-z0-9._-]{0,127}");
const Feeds = v.pipe(v.array(FeedOrPattern), v.minLength(1, "feeds must not be empty"), v.maxLength(256));
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Client → server operations (JSON text frames). */
export const ClientOpSchema = v.variant(
  "op",
  [
    v.object({
      op: v.literal("subscribe"),
      id: RequestId,
      feeds: Feeds,
      /** Per feed: the last seq the client holds; one number applies to every feed of the op. */
      since: v.optional(v.union([Seq, v.record(FeedIdSchema, Seq)])),
      /** Per feed: the epoch the `since` positions belong to; a different epoch voids them. */
      epoch: v.optional(v.union([v.pipe(v.string(), v.maxLength(64)), v.record(FeedIdSchema, v.string())])),
      minPriority: v.optional(v.picklist(PRIORITIES), "low"),
    }),
    v.object({ op: v.literal("unsubscribe"), id: RequestId, feeds: Feeds }),
    v.object({ op: v.literal("ping"), id: RequestId }),
    v.object({ op: v.literal("refresh"), id: RequestId, token: v.pipe(v.string(), v.maxLength(16_384)) }),
  ],
  "op must be subscribe, unsubscribe, ping or refresh",
);
export type ClientOp = v.InferOutput<typeof ClientOpSchema>;
export type SubscribeOp = Extract<ClientOp, { op: "subscribe" }>;
