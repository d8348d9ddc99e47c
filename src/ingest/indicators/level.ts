import * as v from "valibot";
import { THREAT_LEVELS, type ThreatLevel } from "../../protocol/message.ts";
import type { NormalizedItem } from "../item.ts";
import { INDICATOR_TYPES, indicatorType } from "./normalize.ts";

function compiles(source: string): boolean {
  try {
    new RegExp(source, "i");
    return true;
  } catch {
    return false;
  }
}

const RegexSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(512),
  v.check(compiles, "not a valid regular expression"),
);

/**
 * One rule: every condition given in `when` must hold (an empty `when` always holds). Regular
 * expressions are case-insensitive.
 * - `titleMatches`: the title; `textMatches`: title and description; `tagMatches`: any tag.
 * - `hasIndicator`: an indicator of that type (`cve`, `ipv4`, …).
 * - `sourceLevel`: the level the source itself stated.
 */
export const LevelRuleSchema = v.object({
  when: v.strictObject({
    titleMatches: v.optional(RegexSchema),
    textMatches: v.optional(RegexSchema),
    tagMatches: v.optional(RegexSchema),
    hasIndicator: v.optional(v.picklist(INDICATOR_TYPES)),
    sourceLevel: v.optional(v.picklist(THREAT_LEVELS)),
  }),
  level: v.picklist(THREAT_LEVELS),
});
/** Rules in order; the first that matches decides the level (so it may raise or lower the source's). */
export const LevelRulesSchema = v.pipe(v.array(LevelRuleSchema), v.maxLength(100));
export type LevelRule = v.InferOutput<typeof LevelRuleSchema>;

// Rules come from configuration, so the distinct patterns are few; a bound keeps a bad caller harmless.
const compiled = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = compiled.get(source);
  if (re === undefined) {
    if (compiled.size >= 1024) compiled.clear();
    re = new RegExp(source, "i");
    compiled.set(source, re);
  }
  return re;
}

function matches(item: NormalizedItem, when: LevelRule["when"]): boolean {
  if (when.titleMatches !== undefined && !regex(when.titleMatches).test(item.title)) return false;
  if (when.textMatches !== undefined) {
    const re = regex(when.textMatches);
    if (!re.test(item.title) && !re.test(item.description)) return false;
  }
  if (when.tagMatches !== undefined) {
    const re = regex(when.tagMatches);
    if (!(item.tags ?? []).some((t) => re.test(t))) return false;
  }
  if (
    when.hasIndicator !== undefined &&
    !item.indicators.some((i) => indicatorType(i) === when.hasIndicator)
  ) {
    return false;
  }
  if (when.sourceLevel !== undefined && item.threatLevel !== when.sourceLevel) return false;
  return true;
}

/**
 * The threat level of an item: the first matching rule's, else the level the source stated, else
 * `fallback`. Pure: the same item and rules give the same level.
 */
export function levelFor(
  item: NormalizedItem,
  rules: readonly LevelRule[],
  fallback: ThreatLevel = "info",
): ThreatLevel {
  for (const rule of rules) if (matches(item, rule.when)) return rule.level;
  return item.threatLevel ?? fallback;
}
