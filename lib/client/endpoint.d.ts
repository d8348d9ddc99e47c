/** Where and how the SDK connects: the stream URL, the sub-protocol, and the token. */
export type WireFormat = "json" | "binary";
/** How the token travels (docs/security.md, "Where a token is accepted"); `placeToken` is the one place. */
export type TokenPlacement = "query" | "protocol";
export declare const PROTOCOLS: Record<WireFormat, string>;
export declare const TOKEN_PROTOCOL_PREFIX = "tacstream.token.";
/**
 * Normalises what a user passes as `url`: `ws(s)://` or `http(s)://`, with or without the
 * `/v1/stream` path; relative URLs resolve against the page in a browser.
 */
export declare function streamUrl(raw: string): URL;
/**
 * Puts the token where the server looks for it. `protocol` — a `Sec-WebSocket-Protocol` entry, the
 * only header a browser WebSocket can set — keeps it out of URLs and access logs; `query` works with
 * every proxy. The server echoes only the real sub-protocol, never the token entry.
 */
export declare function placeToken(url: URL, protocols: string[], token: string | undefined, via: TokenPlacement): {
    url: string;
    protocols: string[];
};
/** The URL as it may be shown or logged: never with a token in it. */
export declare function redactUrl(url: string): string;
