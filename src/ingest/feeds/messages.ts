import * as v from "valibot";
import { TacError } from "../../protocol/errors.ts";
import {
  type IngestMessage,
  issuePath,
  type Priority,
  type ThreatPayload,
  ThreatPayloadSchema,
} from "../../protocol/message.ts";
import { uuidToString } from "../../protocol/uuid.ts";
import { indicatorType, priorityForLevel, toThreatPayload } from "../indicators/mod.ts";
import type { NormalizedItem } from "../item.ts";
import type { FeedConfig, PriorityRule } from "./config.ts";

const encoder = new TextEncoder();
const compiled = new Map<string, RegExp>();
function re(source: string): RegExp {
  let r = compiled.get(source);
  if (r === undefined) {
    if (compiled.size >= 1024) compiled.clear();
    r = new RegExp(source, "i");
    compiled.set(source, r);
  }
  return r;
}

function ruleMatches(p: ThreatPayload, when: PriorityRule["when"]): boolean {
  if (when.level !== undefined) {
    const levels = Array.isArray(when.level) ? when.level : [when.level];
    if (!levels.includes(p.threatLevel)) return false;
  }
  if (when.titleMatches !== undefined && !re(when.titleMatches).test(p.title)) return false;
  if (when.textMatches !== undefined) {
    const r = re(when.textMatches);
    if (!r.test(p.title) && !r.test(p.description)) return false;
  }
  if (when.hasIndicator !== undefined && !p.indicators.some((i) => indicatorType(i) === when.hasIndicator)) {
    return false;
  }
  return true;
}

/** The feed's first matching priority rule, else its `priority.default`, else the level's priority. */
export function priorityFor(payload: ThreatPayload, feed: Pick<FeedConfig, "priority">): Priority {
  for (const rule of feed.priority.rules) if (ruleMatches(payload, rule.when)) return rule.priority;
  return feed.priority.default ?? priorityForLevel(payload.threatLevel);
}

/**
 * A message id derived from the feed and the item's de-duplication key (a UUIDv8 over SHA-256): if a
 * crash falls between the journal's acknowledgement and the seen-key write, the repeated append carries
 * the same id and the journal stores it once.
 */
export async function itemMessageId(feedId: string, dedupKey: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(`${feedId}\u0000${dedupKey}`)),
  );
  const b = digest.subarray(0, 16);
  b[6] = 0x80 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  return uuidToString(b);
}

/**
 * One item → the message a feed emits, checked against the threat payload schema so a bad item is
 * refused alone instead of refusing its batch.
 * @throws TacError VALIDATION naming the payload field.
 */
export async function itemToMessage(
  item: NormalizedItem,
  dedupKey: string,
  feed: FeedConfig,
  now: number,
): Promise<IngestMessage> {
  const payload = toThreatPayload(item, {
    source: feed.name ?? feed.id,
    ttl: feed.ttl,
    defaultLevel: feed.defaultLevel,
    rules: feed.levelRules,
    ...(feed.confidence === undefined ? {} : { confidence: feed.confidence }),
  });
  const r = v.safeParse(ThreatPayloadSchema, payload);
  if (!r.success) {
    const issue = r.issues[0];
    throw TacError.validation(
      `item ${JSON.stringify(item.key)}: ${issue.message}`,
      `payload.${issuePath(issue)}`,
    );
  }
  // The message is dated by its source where that date is sane; `ttl` counts from receipt when the
  // timestamp is earlier (src/ingest/pipeline.ts), so an old item is not expired at birth.
  const timestamp = saneTimestamp(item.published, now);
  const message: IngestMessage = {
    id: await itemMessageId(feed.id, dedupKey),
    type: "data",
    priority: priorityFor(payload, feed),
    payload,
    ...(timestamp === undefined ? {} : { timestamp }),
  };
  return message;
}

/** Before this, a date is a parser's zero or a typo, not a publication date (1990-01-01). */
const EARLIEST_MS = 631_152_000_000;
/** Source clocks run ahead a little; further ahead is a wrong date, and the time of receipt stands. */
const MAX_AHEAD_MS = 5 * 60_000;

/** An item's publication date (epoch ms) as its message timestamp, or undefined for the time of receipt. */
export function saneTimestamp(published: number | undefined, now: number): number | undefined {
  if (published === undefined || !Number.isFinite(published)) return undefined;
  if (published < EARLIEST_MS || published > now + MAX_AHEAD_MS) return undefined;
  return Math.floor(published);
}
