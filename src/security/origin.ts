import { TacError } from "../protocol/errors.ts";

export interface OriginPolicy {
  /**
   * Whether a request with this `Origin` header may open a WebSocket or read a CORS response.
   * A missing header (null/undefined) is not a browser — curl, servers, the SDK on Bun/Node — and
   * cross-site WebSocket hijacking needs a browser, so it is allowed; the token check still applies.
   */
  allows(origin: string | null | undefined): boolean;
  /** The `Access-Control-Allow-Origin` value for this request, or null to send none. */
  corsOrigin(origin: string | null | undefined): string | null;
  /** True when the list is `*` (production mode refuses that). */
  readonly any: boolean;
}

interface Wildcard {
  scheme: string;
  /** `.example.com` for `https://*.example.com`. */
  suffix: string;
  port: string;
}

function canonical(origin: string): URL | null {
  try {
    const url = new URL(origin);
    // Browsers send exactly scheme://host[:port]; anything else (paths, userinfo, odd case) is refused.
    return url.origin === origin ? url : null;
  } catch {
    return null;
  }
}

function parseEntry(entry: string, index: number): { exact?: string; wildcard?: Wildcard } {
  const m = /^(https?):\/\/\*\.([a-z0-9.-]+?)(?::(\d{1,5}))?$/i.exec(entry);
  if (m !== null) {
    const base = canonical(`${m[1]}://${m[2]}${m[3] === undefined ? "" : `:${m[3]}`}`.toLowerCase());
    if (base === null || !base.hostname.includes(".")) {
      throw TacError.validation(
        `ALLOWED_ORIGINS entry ${JSON.stringify(entry)} is not a valid wildcard`,
        `[${index}]`,
      );
    }
    return { wildcard: { scheme: base.protocol, suffix: `.${base.hostname}`, port: base.port } };
  }
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw TacError.validation(
      `ALLOWED_ORIGINS entry ${JSON.stringify(entry)} is not an origin`,
      `[${index}]`,
    );
  }
  const misplacedWildcard = url.hostname.includes("*");
  if (
    url.origin === "null" ||
    misplacedWildcard ||
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    throw TacError.validation(
      `ALLOWED_ORIGINS entry ${JSON.stringify(entry)} must be scheme://host[:port]`,
      `[${index}]`,
    );
  }
  return { exact: url.origin };
}

/**
 * Compiles `ALLOWED_ORIGINS` (a list, or the comma-separated env value): exact origins
 * (`https://app.example.com`, `http://localhost:5173`), `*` for any, and `https://*.example.com` for any
 * subdomain of example.com at any depth — but not example.com itself, not `evil-example.com`, and not
 * another scheme or port. Entries are normalised as browsers serialise origins (lowercase host, default
 * port dropped).
 * @throws TacError VALIDATION naming the first bad entry.
 */
export function createOriginPolicy(allowed: readonly string[] | string): OriginPolicy {
  const entries = (typeof allowed === "string" ? allowed.split(",") : allowed)
    .map((e) => e.trim())
    .filter(Boolean);
  const any = entries.includes("*");
  const exact = new Set<string>();
  const wildcards: Wildcard[] = [];
  entries.forEach((entry, i) => {
    if (entry === "*") return;
    const parsed = parseEntry(entry, i);
    if (parsed.exact !== undefined) exact.add(parsed.exact);
    if (parsed.wildcard !== undefined) wildcards.push(parsed.wildcard);
  });

  const allowsBrowserOrigin = (origin: string): boolean => {
    if (any) return true;
    if (exact.has(origin)) return true;
    if (wildcards.length === 0) return false;
    const url = canonical(origin);
    if (url === null) return false;
    return wildcards.some(
      (w) =>
        url.protocol === w.scheme &&
        url.port === w.port &&
        url.hostname.endsWith(w.suffix) &&
        url.hostname.length > w.suffix.length,
    );
  };

  return {
    any,
    allows: (origin) => origin === null || origin === undefined || allowsBrowserOrigin(origin),
    corsOrigin: (origin) => {
      if (origin === null || origin === undefined) return any ? "*" : null;
      // Echo the origin (not "*") so caches and credentials behave; callers add `Vary: Origin`.
      return allowsBrowserOrigin(origin) ? origin : null;
    },
  };
}
