import * as v from "valibot";
import { FeedIdSchema, PRIORITIES } from "../protocol/message.ts";

const RequestId = v.optional(v.union([v.pipe(v.string(), v.maxLength(64)), v.pipe(v.number(), v.integer())]));
const Feeds = v.pipe(v.array(FeedIdSchema), v.minLength(1, "feeds must not be empty"), v.maxLength(256));
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
