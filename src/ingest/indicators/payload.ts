import type { Priority, ThreatLevel, ThreatPayload } from "../../protocol/message.ts";
import type { NormalizedItem } from "../item.ts";
import { type LevelRule, levelFor } from "./level.ts";

/** The `maxLength`s of ThreatPayloadSchema (src/protocol/message.ts). */
const MAX = {
  source: 512,
  title: 4096,
  description: 65536,
  indicator: 4096,
  link: 4096,
  tag: 256,
  tags: 64,
} as const;

function httpLink(link: string | undefined): string | undefined {
  if (link === undefined || link.length > MAX.link) return undefined;
  try {
    const u = new URL(link);
    return u.protocol === "http:" || u.protocol === "https:" ? link : undefined;
  } catch {
    return undefined;
  }
}

export interface ThreatPayloadOptions {
  /** Who the intelligence is from: the feed's name or URL. */
  source: string;
  /** Seconds the message stays relevant (it is not replayed after). */
  ttl: number;
  /** Level when no rule matches and the source states none (default "info"). */
  defaultLevel?: ThreatLevel;
  rules?: readonly LevelRule[];
  /** Confidence when the source states none (default 0.5). */
  confidence?: number;
  /** Indicators kept per message (default 1000), so one huge event stays within the payload limit. */
  maxIndicators?: number;
}

/** Cut to `max` UTF-16 units, with an ellipsis, never splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

/** A normalised item → the payload of a threat message, within the schema's limits. */
export function toThreatPayload(item: NormalizedItem, options: ThreatPayloadOptions): ThreatPayload {
  const maxIndicators = options.maxIndicators ?? 1000;
  const payload: ThreatPayload = {
    threatLevel: levelFor(item, options.rules ?? [], options.defaultLevel ?? "info"),
    source: truncate(options.source, MAX.source),
    title: truncate(item.title, MAX.title),
    description: truncate(item.description, MAX.description),
    // A cut indicator would be a different, wrong one: drop it instead.
    indicators: item.indicators.filter((i) => i.length <= MAX.indicator).slice(0, maxIndicators),
    confidence: clamp01(item.confidence ?? options.confidence ?? 0.5),
    ttl: Number.isFinite(options.ttl) ? Math.max(0, Math.floor(options.ttl)) : 0,
  };
  const link = httpLink(item.link);
  if (link !== undefined) payload.link = link;
  if (item.published !== undefined && Number.isFinite(item.published) && item.published >= 0) {
    payload.published = Math.floor(item.published);
  }
  // A cut tag would be a different one: drop it, as indicators are.
  const tags = (item.tags ?? []).filter((t) => t.length > 0 && t.length <= MAX.tag).slice(0, MAX.tags);
  if (tags.length > 0) payload.tags = tags;
  if (item.stix !== undefined && item.stix.id.length <= 256 && item.stix.modified.length <= 64) {
    payload.stix = { id: item.stix.id, modified: item.stix.modified };
  }
  if (item.tlp !== undefined) payload.tlp = item.tlp;
  return payload;
}

/** The message priority for a threat level; `info` travels as `low`. */
export function priorityForLevel(level: ThreatLevel): Priority {
  return level === "info" ? "low" : level;
}
