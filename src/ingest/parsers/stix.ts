import * as v from "valibot";
import { issuePath } from "../../protocol/message.ts";
import { hashTypeOf, type IndicatorType, normalizeIndicator } from "../indicators/normalize.ts";
import type { NormalizedItem } from "../item.ts";
import { parseJsonObject, schemaError } from "./json-bytes.ts";
import type { StixContext } from "./stix-context.ts";
import { patternIndicators } from "./stix-pattern.ts";

/** Every STIX object has a type and an id; the rest is read defensively, field by field. */
export const StixObjectSchema = v.looseObject({
  type: v.pipe(v.string(), v.minLength(1)),
  id: v.pipe(v.string(), v.minLength(1)),
});
const BundleSchema = v.looseObject({
  type: v.literal("bundle"),
  objects: v.optional(v.array(StixObjectSchema), []),
});
export type StixObject = Record<string, unknown> & { type: string; id: string };

/** The objects that become items, and how a title names them. */
const LABELS: Record<string, string> = {
  indicator: "Indicator",
  malware: "Malware",
  vulnerability: "Vulnerability",
  report: "Report",
  "attack-pattern": "Attack pattern",
  campaign: "Campaign",
  "threat-actor": "Threat actor",
  "intrusion-set": "Intrusion set",
  infrastructure: "Infrastructure",
  "course-of-action": "Course of action",
  tool: "Tool",
};
const TAG_FIELDS = [
  "labels",
  "indicator_types",
  "malware_types",
  "threat_actor_types",
  "report_types",
  "infrastructure_types",
  "tool_types",
];
const MAX_RELATIONS = 10;
const MAX_TAGS = 20;

const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const strs = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s) => typeof s === "string") : []);

interface ExternalReference {
  source_name?: unknown;
  external_id?: unknown;
  url?: unknown;
}
const refs = (o: StixObject): ExternalReference[] =>
  Array.isArray(o.external_references)
    ? o.external_references.filter((r): r is ExternalReference => r !== null && typeof r === "object")
    : [];

/** Indicators an observable (SCO) stands for: `ipv4-addr` → ipv4:…, `file` → its hashes. */
const OBSERVABLE_TYPES: Record<string, IndicatorType> = {
  "ipv4-addr": "ipv4",
  "ipv6-addr": "ipv6",
  "domain-name": "domain",
  url: "url",
  "email-addr": "email",
};

function observableIndicators(o: StixObject): string[] {
  const value = str(o.value);
  const type = Object.hasOwn(OBSERVABLE_TYPES, o.type) ? OBSERVABLE_TYPES[o.type] : undefined;
  if (type !== undefined && value !== undefined) {
    const i = normalizeIndicator(type, value);
    return i === undefined ? [] : [i];
  }
  if (o.type === "file" && o.hashes !== null && typeof o.hashes === "object") {
    const out: string[] = [];
    for (const [alg, hex] of Object.entries(o.hashes as Record<string, unknown>)) {
      const t = hashTypeOf(alg);
      const i = t !== undefined && typeof hex === "string" ? normalizeIndicator(t, hex) : undefined;
      if (i !== undefined) out.push(i);
    }
    return out;
  }
  return [];
}

function ownIndicators(o: StixObject): string[] {
  if (o.type === "indicator") {
    const pattern = str(o.pattern);
    const type = str(o.pattern_type) ?? "stix";
    return pattern !== undefined && type === "stix" ? patternIndicators(pattern) : [];
  }
  if (o.type === "vulnerability") {
    const out = new Set<string>();
    for (const r of refs(o)) {
      const id = str(r.external_id);
      if (str(r.source_name)?.toLowerCase() === "cve" && id !== undefined) {
        const cve = normalizeIndicator("cve", id);
        if (cve !== undefined) out.add(cve);
      }
    }
    const byName = normalizeIndicator("cve", str(o.name) ?? "");
    if (byName !== undefined) out.add(byName);
    return [...out];
  }
  return observableIndicators(o);
}

function tagsOf(o: StixObject): string[] {
  const tags = new Set<string>();
  for (const field of TAG_FIELDS) for (const t of strs(o[field])) tags.add(t);
  for (const r of refs(o)) {
    const id = str(r.external_id);
    if (str(r.source_name) === "mitre-attack" && id !== undefined) tags.add(id);
  }
  return [...tags].slice(0, MAX_TAGS);
}

function nameOf(o: StixObject): string {
  return str(o.name)?.trim() || (o.type === "indicator" ? str(o.pattern)?.trim() : undefined) || o.id;
}

/** "indicates malware Poison Ivy; uses attack-pattern Spear phishing" — the relations a reader needs. */
function relationText(lines: string[] | undefined): string {
  if (lines === undefined || lines.length === 0) return "";
  // Sorted: the same relations read the same whichever page (or order) they arrived in.
  const sorted = [...new Set(lines)].sort();
  const shown = sorted.slice(0, MAX_RELATIONS).join("; ");
  const more = sorted.length > MAX_RELATIONS ? `; and ${sorted.length - MAX_RELATIONS} more` : "";
  return `Related: ${shown}${more}.`;
}

/**
 * STIX 2.1 objects → items: one per indicator, malware, tool, vulnerability, report, attack-pattern,
 * campaign, threat-actor, intrusion-set, infrastructure and course-of-action; revoked objects skipped.
 * Relationships (and identities, marking definitions, observables) make no item of their own: a
 * relationship to an observable adds its indicators to the source (infrastructure `consists-of`
 * ipv4-addr), one to another object is summarised in the source's description; a report carries the
 * indicators of the objects it references.
 *
 * With a `context` (TAXII: what earlier pages of the feed held), references reach objects of earlier
 * pages too, and an object already emitted on an earlier page that a relationship on this page now
 * describes is emitted again with that context (`revision` counts its relations, so it is news once per
 * new relation, not a duplicate). The page's objects are then added to the context.
 */
export function stixObjectsToItems(objects: readonly StixObject[], context?: StixContext): NormalizedItem[] {
  const byId = new Map<string, StixObject>();
  for (const o of objects) byId.set(o.id, o);
  const find = (id: string | undefined): StixObject | undefined =>
    id === undefined ? undefined : (byId.get(id) ?? context?.get(id));
  // This page's relationships, and earlier pages' ones from or to an object on this page.
  const touched = new Map<string, StixObject>();
  for (const o of objects) if (o.type === "relationship") touched.set(o.id, o);
  const revisit = new Map<string, StixObject>();
  if (context !== undefined) {
    for (const o of objects) {
      for (const r of context.relationshipsFrom(o.id)) touched.set(r.id, r);
      for (const r of context.relationshipsTo(o.id)) touched.set(r.id, r);
    }
    for (const r of [...touched.values()]) {
      const source = str(r.source_ref);
      if (source === undefined || byId.has(source)) continue;
      const earlier = context.get(source);
      if (earlier === undefined || !Object.hasOwn(LABELS, earlier.type) || earlier.revoked === true) continue;
      revisit.set(source, earlier);
      for (const old of context.relationshipsFrom(source)) touched.set(old.id, old);
    }
  }
  const relationships = [...touched.values()];
  const linked = new Map<string, Set<string>>();
  const related = new Map<string, string[]>();
  for (const r of relationships) {
    const source = str(r.source_ref);
    const target = find(str(r.target_ref));
    if (source === undefined || target === undefined) continue;
    if (!Object.hasOwn(LABELS, target.type)) {
      const set = linked.get(source) ?? new Set<string>();
      for (const i of observableIndicators(target)) set.add(i);
      linked.set(source, set);
    } else {
      const lines = related.get(source) ?? [];
      lines.push(`${str(r.relationship_type) ?? "related-to"} ${target.type} ${nameOf(target)}`);
      related.set(source, lines);
    }
  }
  // An object from an earlier page comes again only when this page gave it context it did not have.
  const again = [...revisit.values()].filter((o) => related.has(o.id) || linked.has(o.id));
  const items = toItems([...objects, ...again], find, linked, related);
  // Each object of `again` is a labelled, unrevoked type: it made exactly one item, at the end.
  for (let i = items.length - again.length; i < items.length; i++) {
    const item = items[i]!;
    item.revision = `rel${(related.get(item.key)?.length ?? 0) + (linked.get(item.key)?.size ?? 0)}`;
  }
  context?.add(objects);
  return items;
}

function toItems(
  objects: readonly StixObject[],
  find: (id: string | undefined) => StixObject | undefined,
  linked: ReadonlyMap<string, Set<string>>,
  related: ReadonlyMap<string, string[]>,
): NormalizedItem[] {
  const items: NormalizedItem[] = [];
  for (const o of objects) {
    const label = Object.hasOwn(LABELS, o.type) ? LABELS[o.type] : undefined;
    if (label === undefined || o.revoked === true) continue;
    const indicators = new Set([...ownIndicators(o), ...(linked.get(o.id) ?? [])]);
    if (o.type === "report") {
      for (const ref of strs(o.object_refs)) {
        const target = find(ref);
        if (target !== undefined) for (const i of ownIndicators(target)) indicators.add(i);
      }
    }
    const description = [str(o.description)?.trim() ?? "", relationText(related.get(o.id))]
      .filter((s) => s.length > 0)
      .join("\n");
    const item: NormalizedItem = {
      key: o.id,
      title: o.type === "report" ? nameOf(o) : `${label}: ${nameOf(o)}`,
      description,
      indicators: [...indicators],
    };
    const link = refs(o)
      .map((r) => str(r.url))
      .find((u) => u !== undefined);
    if (link !== undefined) item.link = link;
    const when = Date.parse(
      str(o.type === "report" ? o.published : undefined) ?? str(o.modified) ?? str(o.created) ?? "",
    );
    if (Number.isFinite(when)) item.published = when;
    if (typeof o.confidence === "number" && o.confidence >= 0 && o.confidence <= 100) {
      item.confidence = o.confidence / 100;
    }
    const tags = tagsOf(o);
    if (tags.length > 0) item.tags = tags;
    const modified = str(o.modified) ?? str(o.created);
    if (modified !== undefined) item.stix = { id: o.id, modified };
    const tlp = tlpOf(o, find);
    if (tlp !== undefined) item.tlp = tlp;
    items.push(item);
  }
  return items;
}

/** The TLP 1.0 marking definitions' fixed ids (STIX 2.1 §7.2.1.4), and TLP 2.0's by name. */
const TLP_IDS: Record<string, NonNullable<NormalizedItem["tlp"]>> = {
  "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
  "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
  "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
};
const TLP_NAMES = new Set(["clear", "white", "green", "amber", "amber+strict", "red"]);

/** The object's TLP: a well-known marking id, or a marking definition in the same bundle/page. */
function tlpOf(o: StixObject, find: (id: string) => StixObject | undefined): NormalizedItem["tlp"] {
  for (const ref of strs(o.object_marking_refs)) {
    const known = TLP_IDS[ref];
    if (known !== undefined) return known;
    const def = find(ref);
    const name = str(def?.name)?.toLowerCase().replace(/^tlp:/, "");
    if (name !== undefined && TLP_NAMES.has(name)) return name as NonNullable<NormalizedItem["tlp"]>;
    const tlp = (def?.definition as { tlp?: unknown } | undefined)?.tlp;
    if (typeof tlp === "string" && TLP_NAMES.has(tlp.toLowerCase())) {
      return tlp.toLowerCase() as NonNullable<NormalizedItem["tlp"]>;
    }
  }
  return undefined;
}

/** Validates a list of STIX objects (from a bundle or a TAXII envelope); the error names the bad one. */
export function validateStixObjects(value: unknown, what: string, prefix: string): StixObject[] {
  const r = v.safeParse(v.array(StixObjectSchema), value);
  if (r.success) return r.output as StixObject[];
  const issue = r.issues[0];
  throw schemaError(what, `${prefix}${issuePath(issue)}`, issue.message);
}

/** A STIX 2.1 bundle (`{"type":"bundle","objects":[…]}`) → items. */
export function parseStixBundle(bytes: Uint8Array): NormalizedItem[] {
  const value = parseJsonObject(bytes, "STIX bundle");
  const r = v.safeParse(BundleSchema, value);
  if (!r.success) {
    const issue = r.issues[0];
    throw schemaError("not a STIX 2.1 bundle", issuePath(issue), issue.message);
  }
  return stixObjectsToItems(r.output.objects as StixObject[]);
}
