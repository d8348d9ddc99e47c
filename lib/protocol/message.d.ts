import * as v from "valibot";
import { MESSAGE_TYPES, type MessageType, PRIORITIES, type Priority } from "./frame.js";
export type { MessageType, Priority };
export { MESSAGE_TYPES, PRIORITIES };
export declare const THREAT_LEVELS: readonly ["critical", "high", "medium", "low", "info"];
export type ThreatLevel = (typeof THREAT_LEVELS)[number];
/** Feed ids double as NATS subjects and pub/sub topics, hence the narrow alphabet. */
export declare const FEED_ID_RE: RegExp;
export declare const FeedIdSchema: v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.RegexAction<string, "feed id must match [a-z0-9][a-z0-9._-]{0,127}">, v.CheckAction<string, "feed id must not contain empty segments">]>;
/** The threat payload of the seed specification. Indicators are typed strings: `ipv4:…`, `cve:…`. */
export declare const ThreatPayloadSchema: v.ObjectSchema<{
    readonly threatLevel: v.PicklistSchema<readonly ["critical", "high", "medium", "low", "info"], undefined>;
    readonly source: v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 512, undefined>]>;
    readonly title: v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 4096, undefined>]>;
    readonly description: v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 65536, undefined>]>;
    readonly indicators: v.ArraySchema<v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 4096, undefined>]>, undefined>;
    readonly confidence: v.SchemaWithPipe<readonly [v.NumberSchema<undefined>, v.MinValueAction<number, 0, undefined>, v.MaxValueAction<number, 1, undefined>]>;
    readonly ttl: v.SchemaWithPipe<readonly [v.NumberSchema<undefined>, v.IntegerAction<number, undefined>, v.MinValueAction<number, 0, undefined>]>;
    /** The item's page at its source (http/https). */
    readonly link: v.OptionalSchema<v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 4096, undefined>]>, undefined>;
    /** Epoch ms the source published or last modified the item (not when tacstream received it). */
    readonly published: v.OptionalSchema<v.SchemaWithPipe<readonly [v.NumberSchema<undefined>, v.IntegerAction<number, undefined>, v.MinValueAction<number, 0, undefined>]>, undefined>;
    /** Categories, labels, MISP tags. */
    readonly tags: v.OptionalSchema<v.SchemaWithPipe<readonly [v.ArraySchema<v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 256, undefined>]>, undefined>, v.MaxLengthAction<string[], 64, undefined>]>, undefined>;
    /** The STIX object and version the message is (STIX, TAXII). */
    readonly stix: v.OptionalSchema<v.ObjectSchema<{
        readonly id: v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 256, undefined>]>;
        readonly modified: v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.MaxLengthAction<string, 64, undefined>]>;
    }, undefined>, undefined>;
    /** Traffic Light Protocol marking: clear, white, green, amber, amber+strict, red. */
    readonly tlp: v.OptionalSchema<v.PicklistSchema<["clear", "white", "green", "amber", "amber+strict", "red"], undefined>, undefined>;
}, undefined>;
export type ThreatPayload = v.InferOutput<typeof ThreatPayloadSchema>;
/** One message as a publisher sends it to `POST /v1/feeds/:feedId/messages`. */
export declare const IngestMessageSchema: v.ObjectSchema<{
    readonly priority: v.PicklistSchema<readonly ["critical", "high", "medium", "low"], undefined>;
    readonly type: v.OptionalSchema<v.PicklistSchema<readonly ["data", "heartbeat", "error", "metadata"], undefined>, "data">;
    readonly payload: v.UnknownSchema;
    readonly id: v.OptionalSchema<v.SchemaWithPipe<readonly [v.StringSchema<undefined>, v.CheckAction<string, "id must be a UUID">]>, undefined>;
    readonly timestamp: v.OptionalSchema<v.SchemaWithPipe<readonly [v.NumberSchema<undefined>, v.FiniteAction<number, undefined>, v.MinValueAction<number, 0, undefined>]>, undefined>;
}, undefined>;
export type IngestMessage = v.InferOutput<typeof IngestMessageSchema>;
/** The JSON wire form a subscriber receives; the binary frame carries the same fields. */
export interface StreamMessage<P = unknown> {
    id: string;
    seq: number;
    timestamp: number;
    feedId: string;
    type: MessageType;
    priority: Priority;
    payload: P;
    checksum: string;
}
export type ThreatMessage = StreamMessage<ThreatPayload> & {
    type: "data";
};
export declare function priorityRank(p: Priority): number;
/** Formats a valibot issue path as `[0].payload.confidence`. */
export declare function issuePath(issue: v.BaseIssue<unknown>): string;
