import { normalizeIndicator, refang } from "./normalize.ts";
import { isKnownTld } from "./tlds.ts";

export interface ExtractOptions {
  /** Stop after this many distinct indicators (default 100): one noisy item must not flood a message. */
  max?: number;
  /** Only the first this many characters are searched (default 256 KiB), which bounds the CPU per item. */
  maxScan?: number;
}

// Every pattern is linear: bounded repetitions, and a look-behind that refuses to start a match in the
// middle of a token, so a long run of word characters is not rescanned from every position.
const URL_RE = /\b(?:https?|ftp):\/\/[^\s<>"'`{}|\\^[\]]+/gi;
const EMAIL_RE =
  /(?<![\w.%+-])[a-z0-9._%+-]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b/gi;
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_RE = new RegExp(`(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?!\\d|\\.\\d)`, "g");
const IPV6_RE =
  /(?<![\w:.])(?=[0-9a-f]{0,4}:[0-9a-f]{0,4}:)[0-9a-f:]{2,39}(?:\d{1,3}(?:\.\d{1,3}){3})?(?![\w:.])/gi;
const CVE_RE = /\bCVE-\d{4}-\d{4,19}\b/gi;
const HEX_RE = /(?<![0-9a-z])[0-9a-f]{32,64}(?![0-9a-z])/gi;
const DOMAIN_RE = /(?<![\w.@-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?![\w-]|\.[a-z0-9])/gi;
/** `v1.2.3.4`, `version 10.0.0.1`: release numbers that happen to have four parts. */
const VERSION_BEFORE_RE = /(?:\bv|\bver\.?|\bversion)\s*$/i;
const TRAILING_PUNCT_RE = /[.,;:!?'"]+$/;
const HASH_TYPES: Record<number, "md5" | "sha1" | "sha256"> = { 32: "md5", 40: "sha1", 64: "sha256" };

function trimUrl(raw: string): string {
  let u = raw.replace(TRAILING_PUNCT_RE, "");
  // A URL closing a parenthesis, "(see http://x/y)", keeps its own brackets only when balanced.
  while (u.endsWith(")") && (u.match(/\(/g)?.length ?? 0) < (u.match(/\)/g)?.length ?? 0)) {
    u = u.slice(0, -1).replace(TRAILING_PUNCT_RE, "");
  }
  return u;
}

/**
 * Finds typed indicators in free text (a news item, a report): URLs, e-mail addresses, IPv4/IPv6,
 * domains on a known TLD, MD5/SHA-1/SHA-256 hex, CVE ids. Defanged forms (`evil[.]com`, `hxxp://`) are
 * refanged first. What a URL or an address already contains is not repeated as a domain or an IP.
 * Distinct, in a stable order (by kind, then by first appearance), at most `max`.
 */
export function extractIndicators(text: string, options: ExtractOptions = {}): string[] {
  const max = options.max ?? 100;
  const maxScan = options.maxScan ?? 256 * 1024;
  const out = new Set<string>();
  if (max <= 0 || text.length === 0) return [];
  const add = (typed: string | undefined): void => {
    if (typed !== undefined && out.size < max) out.add(typed);
  };

  let rest = refang(text.length > maxScan ? text.slice(0, maxScan) : text);
  rest = rest.replace(URL_RE, (m) => {
    add(normalizeIndicator("url", trimUrl(m)));
    return " ";
  });
  if (rest.includes("@"))
    rest = rest.replace(EMAIL_RE, (m) => {
      const tld = m.slice(m.lastIndexOf(".") + 1).toLowerCase();
      if (!isKnownTld(tld)) return m;
      add(normalizeIndicator("email", m));
      return " ";
    });
  for (const m of rest.matchAll(IPV4_RE)) {
    const before = rest.slice(Math.max(0, m.index - 10), m.index);
    if (!VERSION_BEFORE_RE.test(before)) add(`ipv4:${m[0]}`);
  }
  if (rest.includes("::") || /[0-9a-f]:[0-9a-f]/i.test(rest)) {
    for (const m of rest.matchAll(IPV6_RE)) {
      const groups = m[0].split(":").filter((g) => g.length > 0).length;
      // Two groups at least: "a::b" and "::" are more often code than addresses.
      if (groups >= 2) add(normalizeIndicator("ipv6", m[0]));
    }
  }
  for (const m of rest.matchAll(CVE_RE)) add(`cve:${m[0].toUpperCase()}`);
  for (const m of rest.matchAll(HEX_RE)) {
    const hex = m[0];
    const type = HASH_TYPES[hex.length];
    // A digest has both digits and letters; 32 digits is a number, 32 letters a word.
    if (type !== undefined && /\d/.test(hex) && /[a-f]/i.test(hex)) add(`${type}:${hex.toLowerCase()}`);
  }
  for (const m of rest.matchAll(DOMAIN_RE)) {
    const d = m[0].toLowerCase();
    if (isKnownTld(d.slice(d.lastIndexOf(".") + 1))) add(normalizeIndicator("domain", d));
  }
  return [...out];
}
