import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type FeedLease, KvLease, type SharedState } from "./lease.ts";

export interface NatsLeaseOptions {
  servers: string[];
  /** This node's name in the lease records. */
  owner: string;
  bucket?: string;
  /**
   * Replicas of the KV bucket when this node creates it (default 1): the journal's NATS_REPLICAS, so the
   * lease survives the loss of a server as the stream does. An existing bucket is left as it is.
   */
  replicas?: number;
  now?: () => number;
  /** Connect timeout of one attempt (default 2,000 ms). */
  connectTimeoutMs?: number;
  /** Least time between two attempts to open the KV bucket (default 5,000 ms). */
  retryMs?: number;
  onError?: (err: unknown) => void;
  /** The bucket opened (again): the lease works. */
  onReady?: () => void;
  /**
   * The node's own NATS connection (the journal's): used instead of dialling one, and never closed here.
   * Read on each use, since the journal replaces it when the client gives up on one; undefined while it
   * is not connected.
   */
  connection?: () => NatsConnection | undefined;
  /** The node's NATS credentials (NATS_USER / NATS_PASSWORD / NATS_TOKEN), the journal's own. */
  auth?: { user?: string; pass?: string; token?: string };
}

export const LEASE_BUCKET = "tacstream_feed_leases";

const CONNECTION_DOWN = "the NATS connection is down";

/** Thrown into the lease's pending KV calls when its connection drops. */
class ConnectionLost extends Error {
  override readonly name = "ConnectionLost";
}

/**
 * The KV lease, on the node's NATS connection when it is given (`connection`), else on its own. Opens the
 * bucket on first use and again, at most every `retryMs`, until NATS answers. While there is no
 * connection every `acquire` is false: no lease, no poll. When the connection drops, the KV calls in
 * flight fail at once (they would otherwise wait out their request timeout while the client reconnects,
 * and a holder that lost NATS would go on believing it polls).
 */
export class NatsLease implements FeedLease {
  readonly #o: NatsLeaseOptions;
  #lease: KvLease | undefined;
  #connection: NatsConnection | undefined;
  #opening: Promise<KvLease | undefined> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #closed = false;
  #failure: string | undefined;
  /** Rejects the calls of the current lease when its connection drops; renewed with each lease. */
  #lost: { promise: Promise<never>; reject: (err: Error) => void } | undefined;
  /** The connection this lease dialled itself (no node connection given); closed with the lease. */
  #own: NatsConnection | undefined;
  /** Connections known to be up, from their status events (a reconnecting one is not). */
  readonly #up = new WeakSet<NatsConnection>();
  readonly #watched = new WeakSet<NatsConnection>();

  constructor(options: NatsLeaseOptions) {
    this.#o = options;
  }

  /** The connection the lease runs on, once open. */
  get connection(): NatsConnection | undefined {
    return this.#connection;
  }

  /**
   * For `/ready`: "nats-kv" while the lease works, "unavailable: <why>" while it cannot (NATS refused
   * the credentials or the KV bucket, the connection is down…): every node then stands by and no feed
   * is polled. "connecting" before the first use.
   */
  get state(): string {
    if (this.#lease !== undefined) return "nats-kv";
    return this.#failure === undefined ? "connecting" : `unavailable: ${this.#failure}`;
  }

  async acquire(feedId: string, ttlMs: number): Promise<boolean> {
    const lease = await this.#ensure();
    if (lease === undefined) return false;
    try {
      return await this.#guard(lease.acquire(feedId, ttlMs));
    } catch {
      return false;
    }
  }

  async release(feedId: string): Promise<void> {
    if (this.#lease === undefined) return;
    await this.#guard(this.#lease.release(feedId)).catch(() => undefined);
  }

  holder(feedId: string): string | undefined {
    return this.#lease?.holder(feedId);
  }

  readonly shared: SharedState = {
    load: async (feedId) => {
      const lease = await this.#ensure();
      if (lease === undefined) throw new Error("NATS is not connected");
      return this.#guard(lease.shared.load(feedId));
    },
    save: async (feedId, value) => {
      const lease = await this.#ensure();
      if (lease === undefined) throw new Error("NATS is not connected");
      await this.#guard(lease.shared.save(feedId, value));
    },
  };

  async close(): Promise<void> {
    this.#closed = true;
    await this.#opening?.catch(() => undefined);
    this.#drop("lease closed");
    // Only our own: the node's connection belongs to the journal, which closes it after the plugins.
    const own = this.#own;
    this.#own = undefined;
    if (own !== undefined && !own.isClosed()) await own.close();
  }

  /** `op`, unless the lease's connection drops first. */
  #guard<T>(op: Promise<T>): Promise<T> {
    const lost = this.#lost;
    return lost === undefined ? op : Promise.race([op, lost.promise]);
  }

  /** Forgets the lease (its KV handle) and fails the calls still waiting on it. */
  #drop(reason: string): void {
    this.#lost?.reject(new ConnectionLost(reason));
    this.#lost = undefined;
    this.#lease = undefined;
    this.#connection = undefined;
  }

  #ensure(): Promise<KvLease | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const shared = this.#o.connection !== undefined;
    const nc = shared ? this.#o.connection?.() : this.#own;
    const up = nc !== undefined && !nc.isClosed() && (shared || this.#up.has(nc));
    // Down, or replaced by the journal (the old one closed for good): the KV handle died with it.
    if (this.#lease !== undefined && (!up || nc !== this.#connection)) this.#drop(CONNECTION_DOWN);
    // The node's connection is down, or ours is reconnecting (its client brings it back): no attempt is
    // spent on it, so the lease reopens at the first use once the connection is back.
    if (!up && (shared || (nc !== undefined && !nc.isClosed()))) {
      // Keep the watcher's more precise "nats: disconnected from …".
      if (!this.#failure?.startsWith("nats:")) this.#failure = CONNECTION_DOWN;
      return Promise.resolve(undefined);
    }
    if (this.#lease !== undefined) return Promise.resolve(this.#lease);
    if (this.#opening !== undefined) return this.#opening;
    const now = (this.#o.now ?? Date.now)();
    if (now - this.#lastAttempt < (this.#o.retryMs ?? 5_000)) return Promise.resolve(undefined);
    this.#lastAttempt = now;
    this.#opening = this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<KvLease | undefined> {
    try {
      const nc = this.#o.connection !== undefined ? this.#o.connection() : await this.#dial();
      if (nc === undefined || nc.isClosed()) throw new Error(CONNECTION_DOWN);
      const kv = await new Kvm(nc).create(this.#o.bucket ?? LEASE_BUCKET, {
        history: 1,
        replicas: this.#o.replicas ?? 1,
      });
      if (this.#closed) return undefined;
      this.#connection = nc;
      this.#failure = undefined;
      let reject: (err: Error) => void = () => {};
      const promise = new Promise<never>((_, r) => {
        reject = r;
      });
      // Nobody may be waiting when the connection drops.
      promise.catch(() => undefined);
      this.#lost = { promise, reject };
      this.#watch(nc);
      this.#lease = new KvLease(kv, this.#o.owner, this.#o.now === undefined ? {} : { now: this.#o.now });
      this.#o.onReady?.();
      return this.#lease;
    } catch (err) {
      this.#failure = err instanceof Error ? err.message : String(err);
      this.#o.onError?.(err);
      return undefined;
    }
  }

  /** Our own connection (no node connection given): kept across failed bucket opens, dialled once. */
  async #dial(): Promise<NatsConnection> {
    if (this.#own !== undefined && !this.#own.isClosed()) return this.#own;
    const nc = await connect({
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
    if (this.#closed) {
      await nc.close();
      throw new Error("lease closed");
    }
    this.#own = nc;
    this.#up.add(nc);
    this.#watch(nc);
    return nc;
  }

  /** One watcher per connection: a drop (or its end) invalidates the lease that runs on it. */
  #watch(nc: NatsConnection): void {
    if (this.#watched.has(nc)) return;
    this.#watched.add(nc);
    void (async () => {
      for await (const s of nc.status()) {
        if (this.#closed) return;
        if (s.type === "disconnect") {
          this.#up.delete(nc);
          if (this.#connection === nc) {
            this.#failure = `nats: disconnected from ${s.server}`;
            this.#drop(this.#failure);
          }
        } else if (s.type === "reconnect") this.#up.add(nc);
      }
      this.#up.delete(nc);
      if (this.#own === nc) this.#own = undefined;
      if (this.#connection === nc) {
        this.#failure = "nats: connection closed";
        this.#drop(this.#failure);
      }
    })();
  }
}
