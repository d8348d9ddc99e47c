import * as v from "valibot";
import type { TacError } from "../../protocol/errors.ts";
import { issuePath, type ThreatLevel } from "../../protocol/message.ts";
import { classifyIndicator, type IndicatorType, normalizeIndicator } from "../indicators/normalize.ts";
import type { NormalizedItem } from "../item.ts";
import { toEpochMs } from "./dates.ts";
import { parseJsonObject, schemaError } from "./json-bytes.ts";

/**
 * MISP feeds (the "MISP" feed format of MISP's Feeds page): `manifest.json` lists the events by uuid with
 * their last timestamp, and each `<uuid>.json` holds one event. The poller reads the manifest, fetches
 * the events whose timestamp moved, and hands each one here.
 */
const Scalar = v.union([v.string(), v.number()]);
const TagsSchema = v.optional(v.array(v.looseObject({ name: v.string() })), []);
const ManifestEntrySchema = v.looseObject({
  info: v.optional(v.string(), ""),
  timestamp: Scalar,
  threat_level_id: v.optional(Scalar),
  Tag: TagsSchema,
});
const ManifestSchema = v.record(v.pipe(v.string(), v.minLength(1)), ManifestEntrySchema);
const AttributeSchema = v.looseObject({
  type: v.string(),
  value: Scalar,
  // MISP writes booleans; older exports and some tools write "1"/"0".
  to_ids: v.optional(v.union([v.boolean(), Scalar]), false),
  comment: v.optional(v.string()),
  Tag: TagsSchema,
});
const EventSchema = v.object({
  Event: v.looseObject({
    uuid: v.pipe(v.string(), v.minLength(1)),
    info: v.optional(v.string(), ""),
    threat_level_id: v.optional(Scalar),
    timestamp: v.optional(Scalar),
    publish_timestamp: v.optional(Scalar),
    date: v.optional(v.string()),
    analysis: v.optional(Scalar),
    Orgc: v.optional(v.looseObject({ name: v.optional(v.string()) })),
    Attribute: v.optional(v.array(AttributeSchema), []),
    Object: v.optional(v.array(v.looseObject({ Attribute: v.optional(v.array(AttributeSchema), []) })), []),
    Tag: TagsSchema,
  }),
});
type Attribute = v.InferOutput<typeof AttributeSchema>;

export interface MispManifestEntry {
  uuid: string;
  /** Epoch ms of the event's last change. */
  timestamp: number;
  info: string;
  threatLevel?: ThreatLevel;
  tags: string[];
}

const LEVELS: Record<string, ThreatLevel> = { "1": "high", "2": "medium", "3": "low", "4": "info" };
const ANALYSIS = ["initial", "ongoing", "completed"];

/** MISP attribute types → indicator types; "any" lets the value decide (ip-src holds v4 or v6). */
const ATTRIBUTE_TYPES: Record<string, IndicatorType | "any"> = {
  "ip-src": "any",
  "ip-dst": "any",
  domain: "domain",
  hostname: "domain",
  url: "url",
  uri: "url",
  link: "url",
  md5: "md5",
  sha1: "sha1",
  sha256: "sha256",
  "email-src": "email",
  "email-dst": "email",
  email: "email",
  vulnerability: "cve",
};

function levelOf(id: unknown): ThreatLevel | undefined {
  const key = String(id);
  return Object.hasOwn(LEVELS, key) ? LEVELS[key] : undefined;
}

function tagNames(tags: readonly { name: string }[]): string[] {
  return [...new Set(tags.map((t) => t.name.trim()).filter((t) => t.length > 0))].slice(0, 50);
}

const TLP_ORDER = ["clear", "white", "green", "amber", "amber+strict", "red"] as const;

/** The strictest `tlp:*` tag (an attribute's marking may be stricter than the event's). */
function tlpOfTags(tags: readonly string[]): NormalizedItem["tlp"] {
  let best = -1;
  for (const t of tags) {
    const m = /^tlp:\s*(.+)$/i.exec(t);
    const i = m === null ? -1 : TLP_ORDER.indexOf(m[1]!.toLowerCase() as (typeof TLP_ORDER)[number]);
    if (i > best) best = i;
  }
  return best < 0 ? undefined : TLP_ORDER[best];
}

function invalid(what: string, issue: v.BaseIssue<unknown>): TacError {
  return schemaError(what, issuePath(issue), issue.message);
}

/** `manifest.json` → its events, oldest change first. */
export function parseMispManifest(bytes: Uint8Array): MispManifestEntry[] {
  const r = v.safeParse(ManifestSchema, parseJsonObject(bytes, "MISP manifest"));
  if (!r.success) throw invalid("not a MISP manifest", r.issues[0]);
  const out: MispManifestEntry[] = [];
  for (const [uuid, e] of Object.entries(r.output)) {
    const timestamp = toEpochMs(e.timestamp);
    if (timestamp === undefined) throw schemaError("not a MISP manifest", `${uuid}.timestamp`, "not a time");
    const entry: MispManifestEntry = { uuid, timestamp, info: e.info, tags: tagNames(e.Tag) };
    const level = levelOf(e.threat_level_id);
    if (level !== undefined) entry.threatLevel = level;
    out.push(entry);
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

function isIds(a: Attribute): boolean {
  return a.to_ids === true || a.to_ids === 1 || a.to_ids === "1" || a.to_ids === "true";
}

/** Composite types (`ip-dst|port`, `domain|ip`, `filename|sha256`) carry one value per part. */
function attributeIndicators(a: Attribute): string[] {
  // `malware-sample` is `filename|md5` under one name: its hash is the indicator.
  const types = a.type === "malware-sample" ? ["filename", "md5"] : a.type.split("|");
  const values = String(a.value).split("|");
  const out: string[] = [];
  types.forEach((t, i) => {
    const kind = Object.hasOwn(ATTRIBUTE_TYPES, t) ? ATTRIBUTE_TYPES[t] : t === "ip" ? "any" : undefined;
    const value = values[i];
    if (kind === undefined || value === undefined) return;
    let typed = kind === "any" ? classifyIndicator(value) : normalizeIndicator(kind, value);
    // MISP `url` values often lack a scheme (`evil.example/gate.php`); the value still names the place.
    if (typed === undefined && kind === "url" && !/^[a-z][a-z0-9+.-]*:/i.test(value.trim())) {
      typed = normalizeIndicator("url", `http://${value.trim()}`) ?? classifyIndicator(value);
    }
    if (typed !== undefined) out.push(typed);
  });
  return out;
}

/** One MISP event document → one item; attributes flagged `to_ids` become its indicators. */
export function parseMispEvent(bytes: Uint8Array): NormalizedItem[] {
  const r = v.safeParse(EventSchema, parseJsonObject(bytes, "MISP event"));
  if (!r.success) throw invalid("not a MISP event", r.issues[0]);
  const e = r.output.Event;
  const attributes = [...e.Attribute, ...e.Object.flatMap((o) => o.Attribute)];
  const indicators = new Set<string>();
  const attributeTags: { name: string }[] = [];
  let ids = 0;
  for (const a of attributes) {
    if (!isIds(a)) continue;
    ids++;
    for (const i of attributeIndicators(a)) indicators.add(i);
    attributeTags.push(...a.Tag);
  }
  const facts = [
    e.Orgc?.name ? `Organisation: ${e.Orgc.name}` : "",
    e.date ? `Date: ${e.date}` : "",
    e.analysis !== undefined ? `Analysis: ${ANALYSIS[Number(e.analysis)] ?? String(e.analysis)}` : "",
    `Attributes: ${attributes.length} (${ids} for IDS)`,
  ];
  const item: NormalizedItem = {
    key: e.uuid,
    title: e.info.trim() || `MISP event ${e.uuid}`,
    description: facts.filter((f) => f.length > 0).join(". "),
    indicators: [...indicators],
  };
  const published = toEpochMs(e.timestamp ?? e.publish_timestamp ?? e.date);
  if (published !== undefined) item.published = published;
  const level = levelOf(e.threat_level_id);
  if (level !== undefined) item.threatLevel = level;
  const tags = tagNames([...e.Tag, ...attributeTags]);
  if (tags.length > 0) item.tags = tags;
  const tlp = tlpOfTags(tags);
  if (tlp !== undefined) item.tlp = tlp;
  return [item];
}
