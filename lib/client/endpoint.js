export const PROTOCOLS = {
    json: "tacstream.v1.json",
    binary: "tacstream.v1.binary",
};
export const TOKEN_PROTOCOL_PREFIX = "tacstream.token.";
/**
 * Normalises what a user passes as `url`: `ws(s)://` or `http(s)://`, with or without the
 * `/v1/stream` path; relative URLs resolve against the page in a browser.
 */
export function streamUrl(raw) {
    const base = globalThis.location?.href;
    const url = base === undefined ? new URL(raw) : new URL(raw, base);
    if (url.protocol === "http:")
        url.protocol = "ws:";
    else if (url.protocol === "https:")
        url.protocol = "wss:";
    if (url.pathname === "" || url.pathname === "/")
        url.pathname = "/v1/stream";
    return url;
}
/**
 * Puts the token where the server looks for it. `protocol` — a `Sec-WebSocket-Protocol` entry, the
 * only header a browser WebSocket can set — keeps it out of URLs and access logs; `query` works with
 * every proxy. The server echoes only the real sub-protocol, never the token entry.
 */
export function placeToken(url, protocols, token, via) {
    if (token === undefined || token === "")
        return { url: url.href, protocols };
    if (via === "protocol")
        return { url: url.href, protocols: [...protocols, TOKEN_PROTOCOL_PREFIX + token] };
    const withToken = new URL(url.href);
    withToken.searchParams.set("token", token);
    return { url: withToken.href, protocols };
}
/** The URL as it may be shown or logged: never with a token in it. */
export function redactUrl(url) {
    const u = new URL(url);
    if (u.searchParams.has("token"))
        u.searchParams.set("token", "…");
    return u.href;
}
