import { createServer, type Server, Socket } from "node:net";

/**
 * A link emulator: a userspace TCP proxy that delays every chunk by a one-way delay plus jitter, per
 * direction, and can cut the link and heal it. This kernel has no `tc netem`, so cross-region links
 * in the test suite pass through one of these.
 *
 * Order is kept per direction (TCP is a byte stream): a chunk's release time is never earlier than the
 * previous chunk's, so jitter stretches gaps instead of reordering bytes. A cut stops forwarding; with
 * `mode: "reset"` it also destroys the open connections and refuses new ones (a peer that goes away),
 * with `mode: "blackhole"` (the default) it holds them silent and accepts new ones that never carry a
 * byte (packets dropped by a partition: nothing fails fast, as between real regions).
 */
export interface LinkOptions {
  /** Where connections go. */
  target: { host: string; port: number };
  /** One-way delay, ms, each direction. */
  delayMs: number;
  /** Uniform extra delay in [0, jitterMs), ms. Default 0. */
  jitterMs?: number;
  /** Listening address. Default 127.0.0.1 on a free port. */
  host?: string;
  port?: number;
  /** For jitter; default Math.random. */
  random?: () => number;
}

export type CutMode = "blackhole" | "reset";

export interface Link {
  readonly host: string;
  readonly port: number;
  /** `host:port` of the listening side. */
  readonly address: string;
  readonly cut: boolean;
  /** Connections currently proxied. */
  connections(): number;
  /** Bytes forwarded so far, both directions. */
  bytes(): number;
  partition(mode?: CutMode): void;
  heal(): void;
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  server: Socket;
  /** Chunks held while cut (blackhole): released in order on heal, as TCP retransmits would. */
  held: Array<{ to: Socket; data: Buffer }>;
}

export async function startLink(o: LinkOptions): Promise<Link> {
  const jitter = o.jitterMs ?? 0;
  const random = o.random ?? Math.random;
  const pipes = new Set<Pipe>();
  let cut: CutMode | null = null;
  let forwarded = 0;
  /** One queue and at most one timer per direction: timers alone may fire out of order. */
  const queues = new WeakMap<Socket, { items: Array<{ due: number; data: Buffer }>; timer: boolean }>();

  const drain = (pipe: Pipe, to: Socket) => {
    const q = queues.get(to)!;
    q.timer = false;
    const now = performance.now();
    while (q.items.length > 0 && q.items[0]!.due <= now + 0.5) {
      const { data } = q.items.shift()!;
      if (cut !== null) pipe.held.push({ to, data });
      else if (!to.destroyed) {
        forwarded += data.length;
        to.write(data);
      }
    }
    if (q.items.length > 0) arm(pipe, to, q);
  };
  const arm = (pipe: Pipe, to: Socket, q: { items: Array<{ due: number }>; timer: boolean }) => {
    q.timer = true;
    setTimeout(() => drain(pipe, to), Math.max(0, q.items[0]!.due - performance.now()));
  };

  const forward = (pipe: Pipe, to: Socket, data: Buffer) => {
    if (cut !== null) {
      pipe.held.push({ to, data });
      return;
    }
    let q = queues.get(to);
    if (q === undefined) {
      q = { items: [], timer: false };
      queues.set(to, q);
    }
    const last = q.items.at(-1)?.due ?? 0;
    q.items.push({ due: Math.max(performance.now() + o.delayMs + random() * jitter, last), data });
    if (!q.timer) arm(pipe, to, q);
  };

  const server: Server = createServer({ noDelay: true }, (client) => {
    if (cut === "reset") {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    const pipe: Pipe = { client, server: upstream, held: [] };
    pipes.add(pipe);
    upstream.setNoDelay(true);
    const end = () => {
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (d: Buffer) => forward(pipe, upstream, d));
    upstream.on("data", (d: Buffer) => forward(pipe, client, d));
    // A close travels with the same delay as the bytes before it, so it never overtakes them.
    client.on("close", () => setTimeout(end, o.delayMs + jitter));
    upstream.on("close", () => setTimeout(end, o.delayMs + jitter));
    client.on("error", () => {});
    upstream.on("error", () => {});
    // Connected at once: every byte either way pays the delay, including the server's greeting
    // (NATS speaks first), so a handshake costs the round trips it would between regions.
    upstream.connect(o.target.port, o.target.host);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, o.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("link: no address");

  const link: Link = {
    host: addr.address,
    port: addr.port,
    address: `${addr.address}:${addr.port}`,
    get cut() {
      return cut !== null;
    },
    connections: () => pipes.size,
    bytes: () => forwarded,
    partition(mode: CutMode = "blackhole") {
      cut = mode;
      if (mode === "reset") {
        for (const p of pipes) {
          p.client.destroy();
          p.server.destroy();
        }
        pipes.clear();
      }
    },
    heal() {
      cut = null;
      for (const p of pipes) {
        const held = p.held;
        p.held = [];
        for (const h of held) forward(p, h.to, h.data);
      }
    },
    async close() {
      for (const p of pipes) {
        p.client.destroy();
        p.server.destroy();
      }
      pipes.clear();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return link;
}
