import * as v from "valibot";
import { MESSAGE_TYPES, PRIORITIES } from "./frame.js";
import { isUuid } from "./uuid.js";
export { MESSAGE_TYPES, PRIORITIES };
export const THREAT_LEVELS = ["critical", "high", "medium", "low", "info"];
/** Feed ids double as NATS subjects and pub/sub topics, hence the narrow alphabet. */
export const FEED_ID_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const FeedIdSchema = v.pipe(v.string(), v.regex(FEED_ID_RE, "feed id must match [a-z0-9][a-z0-9._-]{0,127}"), v.check((s) => !s.includes("..") && !s.endsWith("."), "feed id must not contain empty segments"));
/** The threat payload of the seed specification. Indicators are typed strings: `ipv4:…`, `cve:…`. */
export const ThreatPayloadSchema = v.object({
    threatLevel: v.picklist(THREAT_LEVELS),
    source: v.pipe(v.string(), v.maxLength(512)),
    title: v.pipe(v.string(), v.maxLength(4096)),
    description: v.pipe(v.string(), v.maxLength(65536)),
    indicators: v.array(v.pipe(v.string(), v.maxLength(4096))),
    confidence: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
    ttl: v.pipe(v.number(), v.integer(), v.minValue(0)),
    // Optional facts of a polled item (all absent on older messages and on plain webhook posts).
    /** The item's page at its source (http/https). */
    link: v.optional(v.pipe(v.string(), v.maxLength(4096))),
    /** Epoch ms the source published or last modified the item (not when tacstream received it). */
    published: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    /** Categories, labels, MISP tags. */
    tags: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(64))),
    /** The STIX object and version the message is (STIX, TAXII). */
    stix: v.optional(v.object({ id: v.pipe(v.string(), v.maxLength(256)), modified: v.pipe(v.string(), v.maxLength(64)) })),
    /** Traffic Light Protocol marking: clear, white, green, amber, amber+strict, red. */
    tlp: v.optional(v.picklist(["clear", "white", "green", "amber", "amber+strict", "red"])),
});
/** One message as a publisher sends it to `POST /v1/feeds/:feedId/messages`. */
export const IngestMessageSchema = v.object({
    priority: v.picklist(PRIORITIES),
    type: v.optional(v.picklist(MESSAGE_TYPES), "data"),
    payload: v.unknown(),
    id: v.optional(v.pipe(v.string(), v.check(isUuid, "id must be a UUID"))),
    timestamp: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))),
});
export function priorityRank(p) {
    return PRIORITIES.indexOf(p);
}
/** Formats a valibot issue path as `[0].payload.confidence`. */
export function issuePath(issue) {
    let out = "";
    for (const item of issue.path ?? []) {
        const key = item.key;
        out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
    }
    return out.startsWith(".") ? out.slice(1) : out;
}
