import type { MiddlewareHandler } from "hono";

/**
 * What every response carries, API or page: no MIME sniffing (a JSON body can never be run as HTML), no
 * framing, HTTPS only once a browser has seen it over TLS, and — unless the route says otherwise — no
 * caching of data that may be sensitive. The set OWASP's REST Security Cheat Sheet gives for APIs.
 */
export const API_HEADERS: readonly (readonly [string, string])[] = [
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["strict-transport-security", "max-age=15552000; includeSubDomains"],
];

/** Set only when the route did not choose its own (the page's assets are cacheable, the page has a CSP). */
const API_DEFAULTS: readonly (readonly [string, string])[] = [
  ["cache-control", "no-store"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
];

/** Headers that only mean something for a document a browser renders: sent with HTML only. */
export const DOCUMENT_HEADERS: readonly (readonly [string, string])[] = [
  ["cross-origin-opener-policy", "same-origin"],
  ["origin-agent-cluster", "?1"],
  ["referrer-policy", "no-referrer"],
  ["x-dns-prefetch-control", "off"],
  ["x-permitted-cross-domain-policies", "none"],
];

/**
 * Security headers by what the response is, instead of Hono's `secureHeaders`, which sends ten
 * document headers with every response: on webhook ingest — small JSON answers at tens of thousands a
 * second — those bytes were a tenth of the request's cost, for headers a browser ignores on JSON.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    try {
      for (const [k, v] of API_HEADERS) h.set(k, v);
      for (const [k, v] of API_DEFAULTS) if (!h.has(k)) h.set(k, v);
      if (h.get("content-type")?.startsWith("text/html")) for (const [k, v] of DOCUMENT_HEADERS) h.set(k, v);
    } catch {
      // Immutable headers (a proxied Response) are left as they came.
    }
  };
}
