import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { feedsPlugin, KvLease, type NatsLease, parseFeedsConfig } from "../../../src/ingest/feeds/mod.ts";
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

describe("two nodes on JetStream", () => {
  let nodeA: TestNode | undefined;
  let nodeB: TestNode | undefined;
  afterAll(async () => {
    await nodeA?.stop(true);
    await nodeB?.stop(true);
  });

  const start = (name: string) =>
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
      { env: { NATS_URL: nats.url, NATS_STREAM: "FEEDLEASE" } },
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
    nodeA = await start("node-a");
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
    await (nodeA.plugin.lease as NatsLease).connection!.close();
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
  });
});
