import type { KV } from "@nats-io/kv";

/**
 * Who may poll a feed now. With one node (embedded journal) that is always us; with JetStream, one
 * node at a time holds a lease per feed in a NATS KV bucket.
 */
export interface FeedLease {
  /**
   * Takes or renews the lease on `feedId` for `ttlMs`; false while another node holds a live one — and
   * on any error, so a node that cannot reach NATS stops polling rather than poll twice.
   */
  acquire(feedId: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (on shutdown), so another node takes over at its next poll, not after the TTL. */
  release(feedId: string): Promise<void>;
  /** The node that held the lease at the last look, for the status endpoint. */
  holder(feedId: string): string | undefined;
  /**
   * State every holder shares (cursor, validators), so a node that takes a feed over resumes where the
   * last holder stopped; absent when one node polls alone.
   */
  readonly shared?: SharedState;
  close(): Promise<void>;
}

export interface SharedState {
  load(feedId: string): Promise<unknown>;
  save(feedId: string, value: unknown): Promise<void>;
}

export const LOCAL_LEASE: FeedLease = {
  acquire: async () => true,
  release: async () => {},
  holder: () => undefined,
  close: async () => {},
};

interface LeaseRecord {
  owner: string;
  /** Epoch ms, by the writer's clock: node clocks must agree to well within one poll interval (NTP). */
  expiresAt: number;
}

function decode(value: Uint8Array): LeaseRecord | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(value)) as Partial<LeaseRecord>;
    return typeof r.owner === "string" && typeof r.expiresAt === "number"
      ? { owner: r.owner, expiresAt: r.expiresAt }
      : undefined;
  } catch {
    return undefined;
  }
}

const leaseKey = (feedId: string) => `lease.${feedId}`;
const stateKey = (feedId: string) => `state.${feedId}`;

/**
 * Leases as compare-and-set writes on one KV key per feed (`lease.<feed>`): `create` when the key is free, `update` at
 * the revision read when it is ours or expired. Two nodes racing for the same revision: the server
 * accepts one write and refuses the other, so at most one node believes it holds the lease. Expiry is
 * in the record rather than a per-message TTL, which needs nats-server 2.11. The same bucket keeps
 * each feed's shared state under `state.<feed>`.
 */
export class KvLease implements FeedLease {
  readonly #kv: KV;
  readonly #owner: string;
  readonly #now: () => number;
  readonly #holders = new Map<string, string>();
  readonly #onClose: () => Promise<void>;

  constructor(kv: KV, owner: string, opts: { now?: () => number; onClose?: () => Promise<void> } = {}) {
    this.#kv = kv;
    this.#owner = owner;
    this.#now = opts.now ?? Date.now;
    this.#onClose = opts.onClose ?? (async () => {});
  }

  get owner(): string {
    return this.#owner;
  }

  readonly shared: SharedState = {
    load: async (feedId) => {
      const entry = await this.#kv.get(stateKey(feedId));
      if (entry === null || entry.operation !== "PUT") return undefined;
      return JSON.parse(new TextDecoder().decode(entry.value));
    },
    save: async (feedId, value) => {
      await this.#kv.put(stateKey(feedId), new TextEncoder().encode(JSON.stringify(value)));
    },
  };

  async acquire(feedId: string, ttlMs: number): Promise<boolean> {
    const record = new TextEncoder().encode(
      JSON.stringify({ owner: this.#owner, expiresAt: this.#now() + ttlMs } satisfies LeaseRecord),
    );
    try {
      const key = leaseKey(feedId);
      const entry = await this.#kv.get(key);
      if (entry === null || entry.operation !== "PUT") {
        await this.#kv.create(key, record);
      } else {
        const current = decode(entry.value);
        if (current !== undefined && current.owner !== this.#owner && current.expiresAt > this.#now()) {
          this.#holders.set(feedId, current.owner);
          return false;
        }
        await this.#kv.update(key, record, entry.revision);
      }
      this.#holders.set(feedId, this.#owner);
      return true;
    } catch {
      // Lost the race (wrong revision), or NATS is unreachable: either way, not ours.
      this.#holders.delete(feedId);
      return false;
    }
  }

  async release(feedId: string): Promise<void> {
    try {
      const key = leaseKey(feedId);
      const entry = await this.#kv.get(key);
      if (entry === null || entry.operation !== "PUT" || decode(entry.value)?.owner !== this.#owner) return;
      await this.#kv.delete(key, { previousSeq: entry.revision });
      this.#holders.delete(feedId);
    } catch {
      // Unreachable NATS: the lease simply expires.
    }
  }

  holder(feedId: string): string | undefined {
    return this.#holders.get(feedId);
  }

  close(): Promise<void> {
    return this.#onClose();
  }
}
