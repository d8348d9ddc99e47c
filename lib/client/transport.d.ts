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
    addEventListener(type: "message", listener: (ev: {
        data: unknown;
    }) => void): void;
    addEventListener(type: "close", listener: (ev: {
        code: number;
        reason: string;
    }) => void): void;
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
export declare function openTransport(Ctor: WebSocketConstructor, url: string, protocols: string[], h: TransportHandlers): Transport;
export declare function defaultWebSocket(): WebSocketConstructor | undefined;
