import { ErrorCode, TacError } from "../protocol/errors.js";
import { DEFAULT_BACKOFF } from "./backoff.js";
import { streamUrl } from "./endpoint.js";
import { defaultWebSocket } from "./transport.js";
import { realTimers } from "./watchdog.js";
function invalid(path, message) {
    return new TacError(ErrorCode.Validation, `connect(): ${path} ${message}`, { path });
}
/** A URL given at connect() is checked there: a typo should fail at once, not as an endless reconnect. */
function checkUrl(raw, path) {
    let ok = false;
    if (typeof raw === "string") {
        try {
            const p = streamUrl(raw).protocol;
            ok = p === "ws:" || p === "wss:";
        }
        catch {
            // Not a URL at all.
        }
    }
    // The value is not echoed: it may carry a `?token=`.
    if (!ok)
        throw invalid(path, "must be a ws(s):// or http(s):// URL");
}
/** Merges defaults and checks everything once, at the boundary (no valibot: it would triple the bundle). */
export function resolveOptions(o) {
    if (o === null || typeof o !== "object")
        throw invalid("options", "must be an object");
    const url = o.url;
    let urls;
    if (typeof url === "string") {
        checkUrl(url, "url");
        urls = [url];
    }
    else if (Array.isArray(url)) {
        if (url.length === 0)
            throw invalid("url", "must list at least one URL");
        urls = [...url];
        for (let i = 0; i < urls.length; i++)
            checkUrl(urls[i], `url[${i}]`);
    }
    else if (typeof url !== "function")
        throw invalid("url", "must be a string, an array of strings or a function");
    const format = o.format ?? "json";
    if (format !== "json" && format !== "binary")
        throw invalid("format", 'must be "json" or "binary"');
    const tokenIn = o.tokenIn ?? "protocol";
    if (tokenIn !== "query" && tokenIn !== "protocol")
        throw invalid("tokenIn", 'must be "query" or "protocol"');
    const Ws = o.WebSocket ?? defaultWebSocket();
    if (typeof Ws !== "function")
        throw invalid("WebSocket", "is required where there is no global WebSocket");
    const minMs = o.backoff?.minMs ?? DEFAULT_BACKOFF.minMs;
    const maxMs = o.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs;
    if (!(Number.isFinite(minMs) && minMs > 0))
        throw invalid("backoff.minMs", "must be a positive number");
    if (!(Number.isFinite(maxMs) && maxMs >= minMs))
        throw invalid("backoff.maxMs", "must be ≥ backoff.minMs");
    const heartbeatTimeoutMs = o.heartbeatTimeoutMs ?? 75_000;
    if (!(heartbeatTimeoutMs >= 0))
        throw invalid("heartbeatTimeoutMs", "must be ≥ 0");
    const connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
    if (!(connectTimeoutMs >= 0))
        throw invalid("connectTimeoutMs", "must be ≥ 0");
    const maxReconnectAttempts = o.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
    if (!(maxReconnectAttempts >= 0))
        throw invalid("maxReconnectAttempts", "must be ≥ 0");
    const onGap = o.onGap ?? "live";
    if (onGap !== "live" && onGap !== "partial")
        throw invalid("onGap", 'must be "live" or "partial"');
    return {
        url: urls === undefined ? url : (i) => urls[i % urls.length],
        urlCount: urls?.length ?? 1,
        token: o.token,
        tokenIn,
        format,
        WebSocket: Ws,
        backoff: { minMs, maxMs },
        heartbeatTimeoutMs,
        connectTimeoutMs,
        maxReconnectAttempts,
        onGap,
        timers: o.timers ?? realTimers,
        random: o.random ?? Math.random,
    };
}
