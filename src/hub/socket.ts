/**
 * The runtime-neutral view of a WebSocket that the hub needs. Bun's `ServerWebSocket` satisfies it as
 * is (native topic pub/sub, backpressure visible); the Node runtime adapts `ws` to it.
 */
export interface HubSocket<D = unknown> {
  readonly data: D;
  /** Bun: bytes written, 0 dropped, -1 queued under backpressure. */
  send(data: string | Uint8Array): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  close(code?: number, reason?: string): void;
  ping(): void;
  getBufferedAmount(): number;
}

/** Server-wide publish to a topic: the same bytes to every subscriber, coalesced per event-loop turn. */
export interface Publisher {
  publish(topic: string, data: string | Uint8Array): void;
  subscriberCount(topic: string): number;
}
