/** The `Sec-WebSocket-Protocol` entry that carries a token: `tacstream.token.<jwt>`. */
export const TOKEN_PROTOCOL_PREFIX = "tacstream.token.";

export type TokenSource = "authorization" | "protocol" | "query";

export interface FoundToken {
  token: string;
  source: TokenSource;
}

/** The parts of a request a token can travel in (a `Request` fits). */
export interface TokenCarrier {
  url: string;
  headers: { get(name: string): string | null };
}

export interface ExtractTokenOptions {
  /**
   * Accept `?token=` (default true). URLs end up in proxy and access logs, so production deployments
   * that can use a header should turn it off.
   */
  allowQuery?: boolean;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Finds the caller's token, in order of preference:
 * 1. `Authorization: Bearer <jwt>` — HTTP clients and non-browser WebSocket clients;
 * 2. a `Sec-WebSocket-Protocol` entry `tacstream.token.<jwt>` — browsers, whose WebSocket API cannot
 *    set headers (JWT characters are all valid in that header); the server must echo back only the real
 *    sub-protocol, never this entry (see {@link offeredProtocols});
 * 3. `?token=<jwt>` — last resort (see {@link ExtractTokenOptions.allowQuery}).
 * Returns null when none is present; a present but unusable `Authorization` header also yields null,
 * and the verifier then refuses with reason "missing".
 */
export function extractToken(req: TokenCarrier, options: ExtractTokenOptions = {}): FoundToken | null {
  const auth = req.headers.get("authorization");
  if (auth !== null) {
    const m = BEARER.exec(auth);
    if (m?.[1] !== undefined) return { token: m[1], source: "authorization" };
  }
  const protocols = req.headers.get("sec-websocket-protocol");
  if (protocols !== null) {
    for (const entry of protocols.split(",")) {
      const p = entry.trim();
      if (p.startsWith(TOKEN_PROTOCOL_PREFIX) && p.length > TOKEN_PROTOCOL_PREFIX.length) {
        return { token: p.slice(TOKEN_PROTOCOL_PREFIX.length), source: "protocol" };
      }
    }
  }
  if (options.allowQuery ?? true) {
    const q = new URL(req.url, "http://localhost").searchParams.get("token");
    if (q !== null && q !== "") return { token: q, source: "query" };
  }
  return null;
}

/** The sub-protocols a client offered, without token entries: the server picks its answer from these. */
export function offeredProtocols(header: string | null): string[] {
  if (header === null) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "" && !p.startsWith(TOKEN_PROTOCOL_PREFIX));
}
