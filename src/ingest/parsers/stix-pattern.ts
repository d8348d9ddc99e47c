import { extractIndicators } from "../indicators/extract.ts";
import {
  classifyIndicator,
  hashTypeOf,
  type IndicatorType,
  indicatorType,
  normalizeIndicator,
} from "../indicators/normalize.ts";

/**
 * STIX 2.1 patterning → typed indicators. Every equality (`=`) or membership (`IN (...)`) comparison of a
 * known observable, anywhere in an AND/OR/FOLLOWEDBY expression, yields an indicator; negated (`NOT =`),
 * inequality and pattern (`MATCHES`, `LIKE`) comparisons describe no single value and yield none.
 *
 *   [ipv4-addr:value = '1.2.3.4']                       → ipv4:1.2.3.4
 *   [file:hashes.'SHA-256' = 'ef53…']                   → sha256:ef53…
 *   [domain-name:value = 'a.com' OR url:value = '…']    → domain:a.com, url:…
 */
const LITERAL = String.raw`'(?:[^'\\]|\\.)*'`;
// Unambiguous on purpose (one way to match any input), so a malformed list cannot backtrack for long.
const COMPARISON_RE = new RegExp(
  String.raw`(?<![a-z0-9-])([a-z0-9-]+):((?:[a-z0-9_\-[\]*.]|'[^']*')+)\s*(NOT\s+)?(=|IN\b)\s*(${LITERAL}|\(\s*${LITERAL}(?:\s*,\s*${LITERAL})*\s*\))`,
  "gi",
);
const STRING_RE = /'((?:[^'\\]|\\.)*)'/g;
/** Real patterns are a few hundred characters; the cap bounds the work a hostile one can cause. */
const MAX_PATTERN = 64 * 1024;

/** The indicator type an object path denotes, "any" for references whose type the value tells. */
function typeOf(objectType: string, path: string): IndicatorType | "any" | undefined {
  const p = path.toLowerCase();
  if (p.startsWith("hashes.") && (objectType === "file" || objectType === "artifact")) {
    return hashTypeOf(p.slice(7));
  }
  if (p === "value") {
    switch (objectType) {
      case "ipv4-addr":
        return "ipv4";
      case "ipv6-addr":
        return "ipv6";
      case "domain-name":
        return "domain";
      case "url":
        return "url";
      case "email-addr":
        return "email";
    }
    return undefined;
  }
  // email-message:from_ref.value, network-traffic:dst_ref.value, to_refs[*].value…
  if (/_refs?(\[[^\]]*\])?\.value$/.test(p)) return "any";
  return undefined;
}

function unescapeLiteral(s: string): string {
  return s.replace(/\\(.)/g, "$1");
}

/** A value that does not validate as its type is searched for one that does ("domain evil.com"). */
function typed(type: IndicatorType | "any", value: string): string[] {
  if (type === "any") {
    const t = classifyIndicator(value);
    return t === undefined ? [] : [t];
  }
  const direct = normalizeIndicator(type, value);
  if (direct !== undefined) return [direct];
  return extractIndicators(value, { max: 10 }).filter((i) => indicatorType(i) === type);
}

export function patternIndicators(pattern: string): string[] {
  const out = new Set<string>();
  const text = pattern.length > MAX_PATTERN ? pattern.slice(0, MAX_PATTERN) : pattern;
  for (const m of text.matchAll(COMPARISON_RE)) {
    if (m[3] !== undefined) continue;
    const type = typeOf(m[1]!.toLowerCase(), m[2]!);
    if (type === undefined) continue;
    for (const s of m[5]!.matchAll(STRING_RE)) {
      for (const i of typed(type, unescapeLiteral(s[1]!))) out.add(i);
    }
  }
  return [...out];
}
