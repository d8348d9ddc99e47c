import { TacError } from "../../protocol/errors.ts";
import type { NormalizedItem } from "../item.ts";
import { type JsonMapping, parseJson } from "./json.ts";
import { parseKev } from "./kev.ts";
import { parseMispEvent } from "./misp.ts";
import { parseRss } from "./rss.ts";
import { parseStixBundle } from "./stix.ts";
import { parseTaxiiEnvelope } from "./taxii.ts";

/** The source formats a feed can declare. */
export const FEED_KINDS = ["rss", "json", "stix", "taxii", "misp", "kev"] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

export interface ParseOptions {
  /** The HTTP Content-Type of the response (its charset matters for XML feeds). */
  contentType?: string;
  /** Required by `json`: how the document maps to items (validated by `JsonMappingSchema`). */
  mapping?: JsonMapping;
  /** RSS/Atom: search title and description for indicators (default true). */
  extract?: boolean;
}

/** A parser: the bytes of one document → items. Pure; bad input throws a VALIDATION `TacError`. */
export type FeedParser = (bytes: Uint8Array, options: ParseOptions) => NormalizedItem[];

/**
 * The parser of each kind. `taxii` returns a page's items (use `parseTaxiiEnvelope` for `more`/`next`);
 * `misp` parses one event document (use `parseMispManifest` for the manifest).
 */
export const PARSERS: Readonly<Record<FeedKind, FeedParser>> = {
  rss: (bytes, o) => parseRss(bytes, o),
  json: (bytes, o) => {
    if (o.mapping === undefined) throw TacError.validation("a json feed needs a mapping", "mapping");
    return parseJson(bytes, o.mapping);
  },
  stix: (bytes) => parseStixBundle(bytes),
  taxii: (bytes) => parseTaxiiEnvelope(bytes).items,
  misp: (bytes) => parseMispEvent(bytes),
  kev: (bytes) => parseKev(bytes),
};

export function parseFeed(kind: FeedKind, bytes: Uint8Array, options: ParseOptions = {}): NormalizedItem[] {
  return PARSERS[kind](bytes, options);
}

export { decodeFeedBytes } from "./charset.ts";
export { htmlToText } from "./html-text.ts";
export {
  compileJsonMapping,
  type JsonMapping,
  type JsonMappingInput,
  JsonMappingSchema,
  mapJsonItems,
  parseJson,
} from "./json.ts";
export { parseKev } from "./kev.ts";
export { contentKey } from "./key.ts";
export { type MispManifestEntry, parseMispEvent, parseMispManifest } from "./misp.ts";
export { resolvePath } from "./path.ts";
export { parseRss, type RssOptions } from "./rss.ts";
export { parseStixBundle, stixObjectsToItems } from "./stix.ts";
export { StixContext } from "./stix-context.ts";
export { patternIndicators } from "./stix-pattern.ts";
export { parseTaxiiEnvelope, type TaxiiPage } from "./taxii.ts";
