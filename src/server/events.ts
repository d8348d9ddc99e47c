import type { StoredMessage } from "../journal/journal.ts";

/** What a node reports about itself; metrics, alerts and the audit log listen here. */
export interface NodeEvents {
  /** A batch became durable and was fanned out; `publishedAt` is epoch ms just after publish. */
  fanout: { batch: readonly StoredMessage[]; publishedAt: number };
  /** An ingest request or poll finished (ok or not) in `seconds`. */
  ingest: {
    feedId: string;
    count: number;
    seconds: number;
    ok: boolean;
    code?: string;
    /** Messages per priority rank (0 critical … 3 low). */
    byPriority?: readonly number[];
  };
  /** An HTTP request finished. */
  http: { method: string; route: string; status: number; seconds: number; code?: string };
  wsOpen: { sessionId: number; sub: string; ip: string; format: string };
  wsClose: { sessionId: number; sub: string; ip: string; code: number };
  /** A typed error sent to a WebSocket client. */
  wsError: { code: string };
  authReject: { reason: string; ip: string };
  /** A read or subscribe refused for want of a grant (403 / per-feed FORBIDDEN): the audit log records it. */
  accessDenied: { sub: string; ip: string; feedId: string; route: string };
}

type Handler<K extends keyof NodeEvents> = (e: NodeEvents[K]) => void;

/** A small synchronous event bus; a throwing listener is isolated and never breaks the hot path. */
export class EventBus {
  readonly #handlers = new Map<keyof NodeEvents, Array<(e: never) => void>>();
  onListenerError: (err: unknown) => void = () => {};

  on<K extends keyof NodeEvents>(event: K, handler: Handler<K>): () => void {
    const list = this.#handlers.get(event) ?? [];
    list.push(handler as (e: never) => void);
    this.#handlers.set(event, list);
    return () => {
      const i = list.indexOf(handler as (e: never) => void);
      if (i >= 0) list.splice(i, 1);
    };
  }

  has(event: keyof NodeEvents): boolean {
    return (this.#handlers.get(event)?.length ?? 0) > 0;
  }

  emit<K extends keyof NodeEvents>(event: K, payload: NodeEvents[K]): void {
    const list = this.#handlers.get(event);
    if (list === undefined) return;
    for (const h of list) {
      try {
        (h as Handler<K>)(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
