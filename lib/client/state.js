export function initialState(id, url, maxReconnectAttempts) {
    return {
        id,
        url,
        urlIndex: 0,
        status: "disconnected",
        lastHeartbeat: null,
        reconnectAttempts: 0,
        maxReconnectAttempts,
        reconnectDelay: 0,
    };
}
export function reduce(s, e) {
    switch (e.type) {
        case "connect":
            return { ...s, status: "connecting", url: e.url, urlIndex: e.urlIndex, reconnectDelay: 0 };
        case "open":
            return { ...s, status: "connected", reconnectAttempts: 0, reconnectDelay: 0 };
        case "heartbeat":
            return { ...s, lastHeartbeat: new Date(e.at) };
        case "lost":
            return {
                ...s,
                status: "disconnected",
                reconnectAttempts: s.reconnectAttempts + 1,
                reconnectDelay: e.delayMs,
            };
        case "give-up":
            return { ...s, status: "error", reconnectDelay: 0 };
        case "close":
            return { ...s, status: "disconnected", reconnectDelay: 0 };
    }
}
/** True when another attempt is allowed after `attempts` consecutive failures. */
export function mayReconnect(s) {
    return s.reconnectAttempts < s.maxReconnectAttempts;
}
