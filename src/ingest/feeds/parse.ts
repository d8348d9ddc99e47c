import * as v from "valibot";
import { TacError } from "../../protocol/errors.ts";
import { issuePath, THREAT_LEVELS } from "../../protocol/message.ts";
import { parseJsonSafe } from "../../security/safe-json.ts";
import type { DlqFormat } from "../dlq/store.ts";
import type { NormalizedItem } from "../item.ts";
import {
  mapJsonItems,
  parseKev,
  parseMispEvent,
  parseRss,
  parseStixBundle,
  parseTaxiiEnvelope,
} from "../parsers/mod.ts";
import type { FeedConfig } from "./config.ts";

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The Content-Type to hand the XML parser. A header that claims UTF-8 about bytes that are not UTF-8
 * (a Latin-1 feed behind a server with a default charset, common in the wild) would turn every accent
 * into U+FFFD, because the header outranks the document's own declaration; such a header is dropped so
 * the document's `<?xml encoding?>` decides.
 */
export function trustedContentType(bytes: Uint8Array, contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/;\s*charset\s*=\s*"?utf-?8"?/i.test(contentType)) return contentType;
  try {
    fatalUtf8.decode(bytes);
    return contentType;
  } catch {
    return contentType.replace(/;\s*charset\s*=\s*"?[^";]*"?/i, "");
  }
}

/** JSON from the outside world: depth-limited, prototype keys stripped (security/safe-json.ts). */
function safeJson(bytes: Uint8Array): unknown {
  return parseJsonSafe(bytes, { forbiddenKeys: "strip" });
}

const ItemSchema = v.object({
  key: v.pipe(v.string(), v.minLength(1)),
  title: v.string(),
  description: v.string(),
  link: v.optional(v.string()),
  published: v.optional(v.number()),
  indicators: v.array(v.string()),
  threatLevel: v.optional(v.picklist(THREAT_LEVELS)),
  confidence: v.optional(v.number()),
  tags: v.optional(v.array(v.string())),
  stix: v.optional(v.object({ id: v.string(), modified: v.string() })),
  tlp: v.optional(v.picklist(["clear", "white", "green", "amber", "amber+strict", "red"])),
});

/**
 * One document (or webhook body, or dead-lettered item) → items, by format. Pure; the one place the
 * poller, the webhook route and DLQ replay turn bytes into items, so a replay parses exactly as the
 * first attempt did.
 * @throws TacError VALIDATION / BAD_JSON naming what is wrong.
 */
export function parseDocument(
  format: DlqFormat,
  bytes: Uint8Array,
  contentType: string | undefined,
  feed: FeedConfig,
): NormalizedItem[] {
  switch (format) {
    case "rss": {
      const ct = trustedContentType(bytes, contentType);
      return parseRss(bytes, ct === undefined ? {} : { contentType: ct });
    }
    case "json":
    case "webhook":
      if (feed.mapping === undefined) throw TacError.validation(`feed ${feed.id} has no mapping`, "mapping");
      return mapJsonItems(safeJson(bytes), feed.mapping);
    case "stix":
      return parseStixBundle(bytes);
    case "taxii":
      return parseTaxiiEnvelope(bytes).items;
    case "misp":
      return parseMispEvent(bytes);
    case "kev":
      return parseKev(bytes);
    case "item": {
      const r = v.safeParse(ItemSchema, safeJson(bytes));
      if (!r.success)
        throw TacError.validation(`not an item: ${r.issues[0].message}`, issuePath(r.issues[0]));
      const item: NormalizedItem = { ...r.output };
      return [item];
    }
  }
}
