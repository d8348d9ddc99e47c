import * as v from "valibot";
import { TacError } from "../../protocol/errors.ts";
import { issuePath, THREAT_LEVELS, type ThreatLevel } from "../../protocol/message.ts";
import { extractIndicators } from "../indicators/extract.ts";
import { classifyIndicator, INDICATOR_TYPES, normalizeIndicator, refang } from "../indicators/normalize.ts";
import type { NormalizedItem } from "../item.ts";
import { toEpochMs } from "./dates.ts";
import { htmlToText } from "./html-text.ts";
import { parseJsonBytes, schemaError } from "./json-bytes.ts";
import { contentKey } from "./key.ts";
import { resolvePath } from "./path.ts";

const PathSchema = v.pipe(
  v.string(),
  v.maxLength(256),
  v.regex(/^(?:[^.]+(?:\.[^.]+)*)?$/, "a path is keys separated by single dots, e.g. data.results.0.id"),
);

/** One indicator source: a path, or a path whose values are bare and get the given type. */
const IndicatorSourceSchema = v.union([
  PathSchema,
  v.object({ path: PathSchema, type: v.optional(v.picklist(INDICATOR_TYPES)) }),
]);

/**
 * How a JSON API's document becomes items, declaratively (no user code runs). Paths are described in
 * path.ts. Used by JSON feeds and by the generic webhook route.
 * - `items`: the array of items (`""`: the root; a single object counts as one item).
 * - `key`, `title`, `description` (HTML reduced to text), `link`, `published` (ISO date, or epoch
 *   seconds / milliseconds), `tags` (a string or strings): paths inside one item.
 * - `indicators`: each a path to a string or strings, typed already (`ipv4:…`) or bare and typed by
 *   their shape, or `{path, type}` to state the type of bare values. Invalid values are dropped.
 * - `level`: `{path, map}` maps the source's value (`"9"`) to a threat level; a value that already is a
 *   level name is taken as it is.
 * - `confidence`: a path to 0..1 (or 0..100, scaled down).
 * - `extract`: also search title and description for indicators (default: only when `indicators` is
 *   empty).
 */
export const JsonMappingSchema = v.object({
  items: v.optional(PathSchema, ""),
  key: v.optional(PathSchema),
  title: v.optional(PathSchema),
  description: v.optional(PathSchema),
  link: v.optional(PathSchema),
  published: v.optional(PathSchema),
  tags: v.optional(PathSchema),
  indicators: v.optional(v.pipe(v.array(IndicatorSourceSchema), v.maxLength(32)), []),
  level: v.optional(
    v.object({ path: PathSchema, map: v.optional(v.record(v.string(), v.picklist(THREAT_LEVELS)), {}) }),
  ),
  confidence: v.optional(PathSchema),
  extract: v.optional(v.boolean()),
});
export type JsonMapping = v.InferOutput<typeof JsonMappingSchema>;
export type JsonMappingInput = v.InferInput<typeof JsonMappingSchema>;

/** Validates a mapping from configuration or a request; a VALIDATION error names the bad field. */
export function compileJsonMapping(input: unknown): JsonMapping {
  const r = v.safeParse(JsonMappingSchema, input);
  if (r.success) return r.output;
  const issue = r.issues[0];
  throw schemaError("invalid JSON mapping", issuePath(issue), issue.message);
}

const MAX_INDICATORS = 1000;
const LEVEL_SET: ReadonlySet<string> = new Set(THREAT_LEVELS);

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" && Number.isFinite(value)) out.push(String(value));
  else if (Array.isArray(value) && depth < 4) for (const x of value) strings(x, out, depth + 1);
  return out;
}

function toConfidence(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return undefined;
  return Math.min(1, n > 1 ? n / 100 : n);
}

function toLevel(value: unknown, map: Record<string, ThreatLevel>): ThreatLevel | undefined {
  const s = scalarText(value);
  if (s === undefined) return undefined;
  if (Object.hasOwn(map, s)) return map[s];
  const lower = s.toLowerCase();
  return LEVEL_SET.has(lower) ? (lower as ThreatLevel) : undefined;
}

function indicatorsOf(raw: unknown, mapping: JsonMapping): string[] {
  const out = new Set<string>();
  for (const source of mapping.indicators) {
    const path = typeof source === "string" ? source : source.path;
    const type = typeof source === "string" ? undefined : source.type;
    for (const value of strings(resolvePath(raw, path))) {
      if (out.size >= MAX_INDICATORS) return [...out];
      const bare = type !== undefined && value.startsWith(`${type}:`) ? value.slice(type.length + 1) : value;
      const typed = type === undefined ? classifyIndicator(value) : normalizeIndicator(type, refang(bare));
      if (typed !== undefined) out.add(typed);
    }
  }
  return [...out];
}

function mapOne(raw: unknown, mapping: JsonMapping): NormalizedItem {
  const at = (path: string | undefined): unknown => (path === undefined ? undefined : resolvePath(raw, path));
  const title = (scalarText(at(mapping.title)) ?? "").trim();
  const description = htmlToText(scalarText(at(mapping.description)) ?? "");
  const link = scalarText(at(mapping.link))?.trim() || undefined;
  const indicators = indicatorsOf(raw, mapping);
  if (mapping.extract ?? mapping.indicators.length === 0) {
    for (const i of extractIndicators(`${title}\n${description}`))
      if (!indicators.includes(i)) indicators.push(i);
  }
  const item: NormalizedItem = {
    key: scalarText(at(mapping.key))?.trim() || link || contentKey(title, description),
    title,
    description,
    indicators,
  };
  if (link !== undefined) item.link = link;
  const published = toEpochMs(at(mapping.published));
  if (published !== undefined) item.published = published;
  const level = mapping.level && toLevel(at(mapping.level.path), mapping.level.map);
  if (level) item.threatLevel = level;
  const confidence = toConfidence(at(mapping.confidence));
  if (confidence !== undefined) item.confidence = confidence;
  const tags = mapping.tags === undefined ? [] : strings(at(mapping.tags)).slice(0, 50);
  if (tags.length > 0) item.tags = tags;
  return item;
}

/**
 * A parsed JSON value → items, by the mapping. Elements of the items array that are not objects are
 * skipped (they cannot hold the mapped fields); a path to something that is neither an array nor an
 * object is a VALIDATION error.
 */
export function mapJsonItems(value: unknown, mapping: JsonMapping): NormalizedItem[] {
  const list = resolvePath(value, mapping.items);
  if (list === null || typeof list !== "object") {
    const where = mapping.items === "" ? "the document" : `items path "${mapping.items}"`;
    throw TacError.validation(`${where} does not lead to an array or an object`, "items");
  }
  const elements: unknown[] = Array.isArray(list) ? list : [list];
  const out: NormalizedItem[] = [];
  for (const el of elements) {
    if (el !== null && typeof el === "object" && !Array.isArray(el)) out.push(mapOne(el, mapping));
  }
  return out;
}

export function parseJson(bytes: Uint8Array, mapping: JsonMapping): NormalizedItem[] {
  return mapJsonItems(parseJsonBytes(bytes, "JSON feed"), mapping);
}
