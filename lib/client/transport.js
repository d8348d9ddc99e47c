const OPEN = 1;
export function openTransport(Ctor, url, protocols, h) {
    let live = true;
    const ws = new Ctor(url, protocols);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => {
        if (live)
            h.onOpen(ws.protocol);
    });
    ws.addEventListener("message", (ev) => {
        if (live)
            h.onData(ev.data);
    });
    ws.addEventListener("close", (ev) => {
        if (!live)
            return;
        live = false;
        h.onClose(ev.code, ev.reason);
    });
    // An error is always followed by a close event, which is where reconnecting starts.
    ws.addEventListener("error", () => { });
    return {
        send(text) {
            if (!live || ws.readyState !== OPEN)
                return false;
            ws.send(text);
            return true;
        },
        close(code = 1000, reason = "") {
            live = false;
            try {
                ws.close(code, reason);
            }
            catch {
                // Closing a socket that is still connecting throws in some runtimes; it is abandoned either way.
            }
        },
    };
}
export function defaultWebSocket() {
    return globalThis.WebSocket;
}
