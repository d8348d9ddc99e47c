/**
 * Typed indicators (`ipv4:1.2.3.4`, `cve:CVE-2024-1234`): validating and canonicalising one value whose
 * type is known or guessed. Free-text search lives in extract.ts; both produce the same canonical forms,
 * so the same indicator from an RSS description and from a STIX pattern de-duplicates.
 */
export const INDICATOR_TYPES = [
  "ipv4",
  "ipv6",
  "domain",
  "url",
  "email",
  "md5",
  "sha1",
  "sha256",
  "cve",
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

const TYPE_SET: ReadonlySet<string> = new Set(INDICATOR_TYPES);

export function isIndicatorType(s: string): s is IndicatorType {
  return TYPE_SET.has(s);
}

/** The type of a typed indicator string, or undefined when it carries no known prefix. */
export function indicatorType(typed: string): IndicatorType | undefined {
  const colon = typed.indexOf(":");
  if (colon < 0) return undefined;
  const t = typed.slice(0, colon);
  return isIndicatorType(t) ? t : undefined;
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_RE = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}(?:/(?:3[0-2]|[12]?\\d))?$`);
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DOMAIN_RE = new RegExp(`^(?:${LABEL}\\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$`);
const EMAIL_RE = /^[a-z0-9._%+'-]{1,64}@([^@\s]+)$/i;
const CVE_RE = /^CVE-\d{4}-\d{4,19}$/i;
const HEX_RE = /^[0-9a-f]+$/i;
const HASH_BY_LENGTH: Record<number, IndicatorType> = { 32: "md5", 40: "sha1", 64: "sha256" };

const HASH_ALGORITHMS: Record<string, IndicatorType> = { MD5: "md5", SHA1: "sha1", SHA256: "sha256" };

/** `MD5`, `'SHA-256'`, `sha1` (as STIX and MISP spell hash algorithms) → the indicator type. */
export function hashTypeOf(algorithm: string): IndicatorType | undefined {
  const key = algorithm.replaceAll("'", "").replaceAll("-", "").toUpperCase();
  return Object.hasOwn(HASH_ALGORITHMS, key) ? HASH_ALGORITHMS[key] : undefined;
}

/** `[.]`, `(.)`, `[dot]`, `hxxp`, `[:]`, `[@]`: the usual ways reports defang indicators. */
const DEFANG_RE = /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\[:\]|\[:\/\/\]|\[@\]|\[at\]|hxxp|fxp(?=s?:)/gi;

export function refang(text: string): string {
  return text.replace(DEFANG_RE, (m) => {
    const lower = m.toLowerCase();
    if (lower === "hxxp") return "http";
    if (lower === "fxp") return "ftp";
    if (lower.includes("@") || lower === "[at]") return "@";
    if (lower === "[://]") return "://";
    if (lower === "[:]") return ":";
    return ".";
  });
}

function canonicalIpv6(value: string): string | undefined {
  const slash = value.indexOf("/");
  const addr = slash < 0 ? value : value.slice(0, slash);
  const prefix = slash < 0 ? "" : value.slice(slash);
  if (prefix !== "" && !/^\/(?:12[0-8]|1[01]\d|[1-9]?\d)$/.test(prefix)) return undefined;
  if (!addr.includes(":") || !/^[0-9a-f:.]+$/i.test(addr)) return undefined;
  // The WHATWG URL parser is a complete IPv6 parser and serialises to the RFC 5952 canonical form.
  try {
    const host = new URL(`http://[${addr}]/`).hostname;
    return host.slice(1, -1) + prefix;
  } catch {
    return undefined;
  }
}

function canonicalDomain(value: string): string | undefined {
  let d = value.trim().toLowerCase();
  if (d.endsWith(".")) d = d.slice(0, -1);
  if (d.length === 0 || d.length > 253) return undefined;
  if (!/^[\x21-\x7e]+$/.test(d)) {
    // Internationalised names become their punycode form, as DNS and blocklists see them.
    try {
      d = new URL(`http://${d}/`).hostname;
    } catch {
      return undefined;
    }
  }
  return DOMAIN_RE.test(d) ? d : undefined;
}

function canonicalUrl(value: string): string | undefined {
  const v = value.trim();
  // A host must follow the scheme; spaces later on are percent-encoded by the URL serialiser.
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s/?#]/i.test(v) || /[\r\n]/.test(v)) return undefined;
  try {
    const u = new URL(v);
    return u.hostname === "" ? undefined : u.href;
  } catch {
    return undefined;
  }
}

function canonicalEmail(value: string): string | undefined {
  const m = EMAIL_RE.exec(value.trim());
  if (!m) return undefined;
  const domain = canonicalDomain(m[1]!);
  if (domain === undefined) return undefined;
  const local = value.trim().slice(0, value.trim().lastIndexOf("@"));
  return `${local}@${domain}`;
}

/**
 * Validates `value` as an indicator of `type` and returns the typed canonical string (`domain:` lower
 * case, hashes lower case, CVE upper case, IPv6 compressed, URLs WHATWG-serialised), or undefined.
 */
export function normalizeIndicator(type: IndicatorType, value: string): string | undefined {
  const v = value.trim();
  let out: string | undefined;
  switch (type) {
    case "ipv4":
      out = IPV4_RE.test(v) ? v : undefined;
      break;
    case "ipv6":
      out = canonicalIpv6(v);
      break;
    case "domain":
      out = canonicalDomain(v);
      break;
    case "url":
      out = canonicalUrl(v);
      break;
    case "email":
      out = canonicalEmail(v);
      break;
    case "md5":
    case "sha1":
    case "sha256":
      out = HEX_RE.test(v) && HASH_BY_LENGTH[v.length] === type ? v.toLowerCase() : undefined;
      break;
    case "cve":
      out = CVE_RE.test(v) ? v.toUpperCase() : undefined;
      break;
  }
  return out === undefined ? undefined : `${type}:${out}`;
}

/**
 * Types a bare value (`1.2.3.4`, `evil[.]com`, a hash by its length) or re-checks an already typed one
 * (`ipv4:1.2.3.4`). Undefined when it is none of the known kinds.
 */
export function classifyIndicator(raw: string): string | undefined {
  const typed = indicatorType(raw);
  if (typed !== undefined) return normalizeIndicator(typed, raw.slice(typed.length + 1));
  const v = refang(raw.trim());
  if (v.length === 0 || v.length > 4096) return undefined;
  if (CVE_RE.test(v)) return normalizeIndicator("cve", v);
  if (v.includes("://")) return normalizeIndicator("url", v);
  if (v.includes("@")) return normalizeIndicator("email", v);
  if (IPV4_RE.test(v)) return `ipv4:${v}`;
  if (v.includes(":")) return normalizeIndicator("ipv6", v);
  const hash = HEX_RE.test(v) ? HASH_BY_LENGTH[v.length] : undefined;
  if (hash !== undefined) return normalizeIndicator(hash, v);
  return normalizeIndicator("domain", v);
}
