import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ResolvedOptions } from "./options.ts";

export interface LinkEvents {
  /** Called on the first connect and after every reconnect, before any waiter of `start()` resumes. */
  connected(nc: NatsConnection): void;
  /** Called when the connection drops; the client is already reconnecting. */
  disconnected(reason: string): void;
}

/**
 * Keeps one NATS connection up forever. The client's own reconnect loop (wait + jitter, no attempt
 * limit) handles drops after the first connect; the first connect is retried here, on the same
 * schedule, rather than with `waitOnFirstConnect`: that option hides why the connect fails (we want
 * "connection refused" in /ready) and cannot be cancelled, so a journal closed before NATS ever came up
 * would leave a dial loop running forever.
 */
export class NatsLink {
  nc: NatsConnection | undefined;
  connected = false;
  reason: string;
  private closed = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly o: ResolvedOptions,
    private readonly events: LinkEvents,
  ) {
    this.reason = `nats: connecting to ${o.servers.join(",")}`;
  }

  /** Starts connecting; resolves after the first attempt, connected or not (then `reason` says why). */
  start(): Promise<void> {
    return new Promise((firstAttempt) => {
      void this.connectLoop(firstAttempt);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connected = false;
    this.reason = "journal closed";
    this.stopping.abort();
    const nc = this.nc;
    this.nc = undefined;
    await nc?.close();
  }

  private async connectLoop(firstAttempt: () => void): Promise<void> {
    const { o } = this;
    while (!this.closed) {
      try {
        const nc = await connect({
          servers: o.servers,
          name: o.name,
          ...o.auth,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: o.reconnectTimeWaitMs,
          reconnectJitter: o.reconnectJitterMs,
          timeout: o.requestTimeoutMs,
          // The default (2 min, 2 outstanding) notices a silently dead server only after minutes.
          pingInterval: 10_000,
          maxPingOut: 2,
          // An Error captured (for its stack) per request cost a third of the client CPU of an append.
          noAsyncTraces: true,
        });
        if (this.closed) {
          await nc.close();
          break;
        }
        this.nc = nc;
        this.connected = true;
        void this.watch(nc);
        this.events.connected(nc);
        break;
      } catch (err) {
        this.reason = `nats: ${errorText(err)} (${o.servers.join(",")})`;
        firstAttempt();
        await pause(retryDelay(o), this.stopping.signal);
      }
    }
    firstAttempt();
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.closed || this.nc !== nc) return;
      if (s.type === "disconnect") {
        this.connected = false;
        this.reason = `nats: disconnected from ${s.server}, reconnecting`;
        this.events.disconnected(this.reason);
      } else if (s.type === "reconnect") {
        this.connected = true;
        this.events.connected(nc);
      }
    }
    // The client closed the connection for good (it never gives up reconnecting, so e.g. an auth
    // error): start over with a new one rather than stay down.
    if (this.closed || this.nc !== nc) return;
    this.nc = undefined;
    this.connected = false;
    this.reason = "nats: connection closed, reconnecting";
    this.events.disconnected(this.reason);
    void this.connectLoop(() => {});
  }
}

/** The reconnect schedule of the client, for our own retries: the wait plus random jitter. */
export function retryDelay(o: ResolvedOptions): number {
  return o.reconnectTimeWaitMs + Math.random() * o.reconnectJitterMs;
}

/** Resolves after `ms`, or at once when `signal` aborts (a closing journal must not wait out a retry). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause}`;
  }
  return String(err);
}
