/**
 * The WebSocket transport. The constructor is injected (`ws` on Node 20, the global on browsers, Bun,
 * Deno and Node ≥ 22), so the SDK depends on no runtime. Only `addEventListener` is used: every
 * implementation has it, and method parameters let `ws`'s own event types fit this interface.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "message", listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (ev: { code: number; reason: string }) => void): void;
  addEventListener(type: "error", listener: (ev: unknown) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface TransportHandlers {
  onOpen(protocol: string): void;
  onData(data: unknown): void;
  onClose(code: number, reason: string): void;
}

export interface Transport {
  /** False when the socket is not open; the op is then resent on the next open. */
  send(text: string): boolean;
  /** Closes and detaches: no handler runs for this transport afterwards. */
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

export function openTransport(
  Ctor: WebSocketConstructor,
  url: string,
  protocols: string[],
  h: TransportHandlers,
): Transport {
  let live = true;
  const ws = new Ctor(url, protocols);
  ws.binaryType = "arraybuffer";
  ws.addEventListener("open", () => {
    if (live) h.onOpen(ws.protocol);
  });
  ws.addEventListener("message", (ev) => {
    if (live) h.onData(ev.data);
  });
  ws.addEventListener("close", (ev) => {
    if (!live) return;
    live = false;
    h.onClose(ev.code, ev.reason);
  });
  // An error is always followed by a close event, which is where reconnecting starts.
  ws.addEventListener("error", () => {});
  return {
    send(text) {
      if (!live || ws.readyState !== OPEN) return false;
      ws.send(text);
      return true;
    },
    close(code = 1000, reason = "") {
      live = false;
      try {
        ws.close(code, reason);
      } catch {
        // Closing a socket that is still connecting throws in some runtimes; it is abandoned either way.
      }
    },
  };
}

export function defaultWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}
