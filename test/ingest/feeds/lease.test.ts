import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { feedsPlugin, KvLease, NatsLease, parseFeedsConfig } from "../../../src/ingest/feeds/mod.ts";
import { type NatsServer, startNatsServer } from "../../helpers/nats.ts";
import { fixture, startNode, startUpstream, type TestNode, type Upstream } from "./node.ts";

let nats: NatsServer;
let up: Upstream;
const connections: NatsConnection[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  up = startUpstream();
  // Sends an ETag but always answers 200: every poll parses, so de-duplication is what is tested.
  up.route(
    "/feed",
    () => new Response(fixture("feeds", "input", "heise.atom"), { headers: { etag: '"h1"' } }),
  );
});
afterAll(async () => {
  for (const nc of connections) if (!nc.isClosed()) await nc.close();
  await up.stop();
  await nats.stop();
});

async function kvLease(owner: string, now: () => number): Promise<{ lease: KvLease; nc: NatsConnection }> {
  const nc = await connect({ servers: nats.url });
  connections.push(nc);
  const kv = await new Kvm(nc).create("test_leases", { history: 1 });
  return { lease: new KvLease(kv, owner, { now }), nc };
}

describe("KV lease", () => {
  test("compare-and-set: of two nodes racing, exactly one wins each round; expiry and release hand over", async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const a = await kvLease("a", now);
    const b = await kvLease("b", now);
    for (let round = 0; round < 10; round++) {
      const feed = `race.f${round}`;
      const won = await Promise.all([a.lease.acquire(feed, 10_000), b.lease.acquire(feed, 10_000)]);
      expect(won.filter(Boolean).length).toBe(1);
    }
    expect(await a.lease.acquire("f", 10_000)).toBe(true);
    expect(await b.lease.acquire("f", 10_000)).toBe(false);
    expect(b.lease.holder("f")).toBe("a");
    clock += 5_000;
    expect(await a.lease.acquire("f", 10_000)).toBe(true); // renewed: now valid until +15 s
    clock += 9_000;
    expect(await b.lease.acquire("f", 10_000)).toBe(false);
    clock += 2_000; // a's lease ran out
    expect(await b.lease.acquire("f", 10_000)).toBe(true);
    expect(await a.lease.acquire("f", 10_000)).toBe(false);
    await b.lease.release("f");
    expect(await a.lease.acquire("f", 10_000)).toBe(true);
    // A node that lost NATS holds nothing.
    await a.nc.close();
    expect(await a.lease.acquire("f", 10_000)).toBe(false);
  });
});

/**
 * A TCP relay to NATS that a test can cut: the node behind it loses NATS for real (its reconnects are
 * refused), which closing its connection no longer plays, since the journal dials a new one at once.
 */
function cuttableRelay(target: number) {
  type Pipe = { peer?: import("bun").Socket<Pipe>; pending: Uint8Array[] };
  const open = new Set<import("bun").Socket<Pipe>>();
  let cut = false;
  const listener = Bun.listen<Pipe>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      async open(client) {
        if (cut) return void client.end();
        client.data = { pending: [] };
        open.add(client);
        const upstream = await Bun.connect<Pipe>({
          hostname: "127.0.0.1",
          port: target,
          socket: {
            data: (_s, d) => {
              client.write(d);
            },
            close: () => {
              client.end();
            },
            error: () => {
              client.end();
            },
          },
          data: { peer: client, pending: [] },
        });
        open.add(upstream);
        client.data.peer = upstream;
        for (const d of client.data.pending.splice(0)) upstream.write(d);
      },
      data(client, d) {
        if (client.data.peer === undefined) client.data.pending.push(new Uint8Array(d));
        else client.data.peer.write(d);
      },
      close: (client) => void client.data.peer?.end(),
      error: (client) => void client.data.peer?.end(),
    },
  });
  return {
    url: `nats://127.0.0.1:${listener.port}`,
    cut() {
      cut = true;
      listener.stop(true);
      for (const s of open) s.end();
    },
  };
}

describe("a lease on its own connection (no node connection given)", () => {
  test("once its connection drops, acquire is false at once and /ready's state says why; close closes it", async () => {
    const relay = cuttableRelay(nats.port);
    const lease = new NatsLease({ servers: [relay.url], owner: "solo", bucket: "solo_leases", retryMs: 0 });
    try {
      expect(lease.state).toBe("connecting");
      expect(await lease.acquire("f", 10_000)).toBe(true);
      expect(lease.state).toBe("nats-kv");
      const nc = lease.connection!;
      relay.cut();
      const t0 = Date.now();
      while (lease.state === "nats-kv") {
        if (Date.now() - t0 > 5_000) throw new Error("the drop was never seen");
        await new Promise((r) => setTimeout(r, 10));
      }
      // The client is reconnecting (refused): no KV request is sent into it to wait out a timeout.
      const t1 = Date.now();
      expect(await lease.acquire("f", 10_000)).toBe(false);
      expect(Date.now() - t1).toBeLessThan(500);
      expect(lease.state).toMatch(/^unavailable: nats: disconnected from /);
      await lease.close();
      expect(nc.isClosed()).toBe(true);
    } finally {
      await lease.close();
    }
  });
});

describe("two nodes on JetStream", () => {
  let nodeA: TestNode | undefined;
  let nodeB: TestNode | undefined;
  let relay: ReturnType<typeof cuttableRelay> | undefined;
  afterAll(async () => {
    await nodeA?.stop(true);
    await nodeB?.stop(true);
  });

  const start = (name: string, url = nats.url) =>
    startNode(
      feedsPlugin({
        feeds: parseFeedsConfig({
          // The header tells the source which node asked: the test reads who polled, and when.
          feeds: [
            {
              id: "news.shared",
              kind: "rss",
              url: `${up.url}/feed`,
              interval: 1,
              headers: { "X-Node": name },
            },
          ],
        }),
        nodeName: name,
        startSpreadMs: 0,
        sleep: async () => {},
      }),
      { env: { NATS_URL: url, NATS_STREAM: "FEEDLEASE" } },
    );

  const status = (n: TestNode) => n.plugin.statuses()[0]!;

  /** Resolves once `pred` holds, checked at every upstream request; bounded by `ms`. */
  async function until(pred: () => boolean, ms: number): Promise<number> {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return Date.now() - t0;
  }

  test("one node polls; when its NATS connection dies the other takes the feed over", async () => {
    relay = cuttableRelay(nats.port);
    nodeA = await start("node-a", relay.url);
    await until(() => status(nodeA!).lastSuccess !== null, 5_000);
    nodeB = await start("node-b");
    // Three intervals with both running: only A polls, B stands by.
    const aPolls = status(nodeA).polls;
    await until(() => status(nodeA!).polls >= aPolls + 3, 6_000);
    expect(status(nodeB).role).toBe("standby");
    expect(status(nodeB).polls).toBe(0);
    expect(status(nodeB).leaseHolder).toBe("node-a");
    expect(status(nodeA).leaseHolder).toBe("node-a");
    expect(status(nodeA).items).toBe(15);

    const askedBy = () => up.requests.filter((r) => r.path === "/feed").map((r) => r.headers.get("x-node"));
    expect(new Set(askedBy())).toEqual(new Set(["node-a"]));
    relay.cut();
    const takeover = await until(() => status(nodeB!).lastSuccess !== null, 6_000);
    // A's lease lives 2 intervals (2 s) from its last renewal, which came at most 1.1 s before the kill;
    // B looks once an interval (≤ 1.1 s): at worst 2 + 1.1 s after the kill, plus a poll.
    expect(takeover).toBeLessThan(4_000);
    expect(status(nodeA).role).toBe("standby");
    const firstOfB = up.requests.find((r) => r.path === "/feed" && r.headers.get("x-node") === "node-b")!;
    // B had never polled: the validators it sends are A's, from the shared state in KV.
    expect(firstOfB.headers.get("if-none-match")).toBe('"h1"');
    // B read back the ids A stored: nothing is sent to the journal twice.
    expect(status(nodeB).items).toBe(0);
    expect(status(nodeB).duplicates).toBe(15);
    await until(() => status(nodeB!).polls >= 3, 5_000);
    // Exactly one poller at any time: A's requests, then B's, never interleaved.
    const order = askedBy().join(",");
    expect(order).toMatch(/^(node-a,)+(node-b,)+node-b$/);
    expect((await nodeB.messages("news.shared")).length).toBe(15);
    console.log(`lease takeover after the holder lost NATS: ${takeover} ms (interval 1 s, TTL 2 s)`);
  });
});

describe("on a NATS server that wants credentials", () => {
  let authNats: NatsServer;
  let node: TestNode | undefined;
  beforeAll(async () => {
    authNats = await startNatsServer({
      extraConfig: 'authorization { user: "tac", password: "s3cret-pass" }',
    });
  });
  afterAll(async () => {
    await node?.stop(true);
    await authNats.stop();
  });

  test("the lease connects with the node's NATS_USER / NATS_PASSWORD, so the feed is polled", async () => {
    node = await startNode(
      feedsPlugin({
        feeds: parseFeedsConfig({
          feeds: [{ id: "news.auth", kind: "rss", url: `${up.url}/feed`, interval: 1 }],
        }),
        nodeName: "auth-node",
        startSpreadMs: 0,
        sleep: async () => {},
      }),
      {
        env: {
          NATS_URL: authNats.url,
          NATS_STREAM: "FEEDAUTH",
          NATS_USER: "tac",
          NATS_PASSWORD: "s3cret-pass",
        },
      },
    );
    const t0 = Date.now();
    while (node.plugin.statuses()[0]!.lastSuccess === null) {
      if (Date.now() - t0 > 8_000)
        throw new Error(`never polled: ${JSON.stringify(node.plugin.statuses()[0])}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(node.plugin.statuses()[0]!.leaseHolder).toBe("auth-node");
    // One connection for the node: the lease runs on the journal's, not on one of its own.
    const journal = node.node.journal as unknown as { connection?: NatsConnection };
    expect(journal.connection).toBeDefined();
    expect((node.plugin.lease as NatsLease).connection).toBe(journal.connection!);
  });
});

describe("a lease that cannot work", () => {
  let denyKv: NatsServer;
  let node: TestNode | undefined;
  beforeAll(async () => {
    // The journal's stream is allowed, the lease's KV bucket is not: the node serves, no feed is polled.
    denyKv = await startNatsServer({
      extraConfig:
        'authorization { users: [ { user: "tac", password: "s3cret-pass", permissions: { publish: { allow: ">", deny: ["$JS.API.STREAM.*.KV_tacstream_feed_leases"] } } } ] }',
    });
  });
  afterAll(async () => {
    await node?.stop(true);
    await denyKv.stop();
  });

  test("/ready says lease: unavailable with the reason, instead of every node silently standing by", async () => {
    node = await startNode(
      feedsPlugin({
        feeds: parseFeedsConfig({
          feeds: [{ id: "news.nolease", kind: "rss", url: `${up.url}/feed`, interval: 1 }],
        }),
        nodeName: "nolease-node",
        startSpreadMs: 0,
        sleep: async () => {},
      }),
      {
        env: { NATS_URL: denyKv.url, NATS_STREAM: "NOLEASE", NATS_USER: "tac", NATS_PASSWORD: "s3cret-pass" },
      },
    );
    const t0 = Date.now();
    for (;;) {
      const body = (await (await fetch(`${node.url}/ready`)).json()) as { ready: boolean; lease?: string };
      if (body.lease?.startsWith("unavailable: ")) {
        expect(body.ready).toBe(true);
        expect(body.lease).toMatch(/permission/i);
        break;
      }
      if (Date.now() - t0 > 8_000) throw new Error(`lease never reported: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(node.plugin.statuses()[0]!.polls).toBe(0);
  });
});
