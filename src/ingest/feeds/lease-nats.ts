import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type FeedLease, KvLease, type SharedState } from "./lease.ts";

export interface NatsLeaseOptions {
  servers: string[];
  /** This node's name in the lease records. */
  owner: string;
  bucket?: string;
  now?: () => number;
  /** Connect timeout of one attempt (default 2,000 ms). */
  connectTimeoutMs?: number;
  /** Least time between two first-connect attempts (default 5,000 ms). */
  retryMs?: number;
  onError?: (err: unknown) => void;
  /** The node's NATS credentials (NATS_USER / NATS_PASSWORD / NATS_TOKEN), the journal's own. */
  auth?: { user?: string; pass?: string; token?: string };
}

export const LEASE_BUCKET = "tacstream_feed_leases";

/**
 * The KV lease on its own NATS connection (the journal's is not reachable from a plugin). Connects on
 * first use and again, at most every `retryMs`, until NATS answers; after that the client's own
 * reconnect loop keeps it up. While there is no connection every `acquire` is false: no lease, no poll.
 */
export class NatsLease implements FeedLease {
  readonly #o: NatsLeaseOptions;
  #lease: KvLease | undefined;
  #connection: NatsConnection | undefined;
  #opening: Promise<KvLease | undefined> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: NatsLeaseOptions) {
    this.#o = options;
  }

  /** The connection, once open (tests close it to play a node that lost NATS). */
  get connection(): NatsConnection | undefined {
    return this.#connection;
  }

  async acquire(feedId: string, ttlMs: number): Promise<boolean> {
    const lease = await this.#ensure();
    return lease === undefined ? false : lease.acquire(feedId, ttlMs);
  }

  async release(feedId: string): Promise<void> {
    await this.#lease?.release(feedId);
  }

  holder(feedId: string): string | undefined {
    return this.#lease?.holder(feedId);
  }

  readonly shared: SharedState = {
    load: async (feedId) => {
      const lease = await this.#ensure();
      if (lease === undefined) throw new Error("NATS is not connected");
      return lease.shared.load(feedId);
    },
    save: async (feedId, value) => {
      const lease = await this.#ensure();
      if (lease === undefined) throw new Error("NATS is not connected");
      await lease.shared.save(feedId, value);
    },
  };

  async close(): Promise<void> {
    this.#closed = true;
    await this.#opening?.catch(() => undefined);
    const nc = this.#connection;
    this.#connection = undefined;
    this.#lease = undefined;
    if (nc !== undefined && !nc.isClosed()) await nc.close();
  }

  #ensure(): Promise<KvLease | undefined> {
    if (this.#lease !== undefined) return Promise.resolve(this.#lease);
    if (this.#opening !== undefined) return this.#opening;
    const now = (this.#o.now ?? Date.now)();
    if (this.#closed || now - this.#lastAttempt < (this.#o.retryMs ?? 5_000))
      return Promise.resolve(undefined);
    this.#lastAttempt = now;
    this.#opening = this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<KvLease | undefined> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({
        servers: this.#o.servers,
        name: `tacstream-feeds-${this.#o.owner}`,
        reconnect: true,
        maxReconnectAttempts: -1,
        timeout: this.#o.connectTimeoutMs ?? 2_000,
        pingInterval: 10_000,
        maxPingOut: 2,
        // Without them an authenticated server refuses the lease: every node would sit in standby.
        ...this.#o.auth,
      });
      const kv = await new Kvm(nc).create(this.#o.bucket ?? LEASE_BUCKET, { history: 1 });
      if (this.#closed) {
        await nc.close();
        return undefined;
      }
      this.#connection = nc;
      this.#lease = new KvLease(kv, this.#o.owner, this.#o.now === undefined ? {} : { now: this.#o.now });
      return this.#lease;
    } catch (err) {
      this.#o.onError?.(err);
      await nc?.close().catch(() => undefined);
      return undefined;
    }
  }
}
