import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type CatalogEntry, FeedCatalog } from "../../src/hub/catalog.ts";
import { feedsPlugin, parseFeedsConfig } from "../../src/ingest/feeds/mod.ts";
import type { FeedListing } from "../../src/ingest/feeds/status.ts";
import type { StoredMessage } from "../../src/journal/journal.ts";
import { encodeFrame } from "../../src/protocol/frame.ts";
import { signToken } from "../../src/security/tokens.ts";
import { type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { postMessages, threat } from "../helpers/server.ts";
import { removeTempDirs, startNode, type TestNode, tempDir } from "../ingest/feeds/node.ts";
import { SECRET } from "../security/keys.ts";

const msg = (feedId: string, seq: number, timestamp = 1000 + seq): StoredMessage => ({
  seq,
  feedId,
  priority: 1,
  expiresAt: 0,
  frame: encodeFrame({
    type: "data",
    priority: "high",
    feedId,
    seq,
    timestamp,
    id: new Uint8Array(16),
    payload: new Uint8Array([123, 125]),
  }),
});

const plain = (e: CatalogEntry | undefined) =>
  e && { feedId: e.feedId, count: e.count, head: e.head, newestAt: e.newestAt };

describe("FeedCatalog", () => {
  test("messages seen while the seed is read are counted once, and new feeds are announced once", () => {
    const c = new FeedCatalog();
    const seen: string[] = [];
    c.onNewFeed((id) => seen.push(id));
    c.beginSeed();
    // seq 5 is in the seed's snapshot, seq 7 is not; both arrive through the tail before the seed.
    c.observe([msg("a", 5), msg("b", 6), msg("a", 7)]);
    expect(c.size).toBe(0);
    c.seed([{ feedId: "a", count: 3, head: 5, newestAt: 1005 }]);
    expect(plain(c.get("a"))).toEqual({ feedId: "a", count: 4, head: 7, newestAt: 1007 });
    expect(plain(c.get("b"))).toEqual({ feedId: "b", count: 1, head: 6, newestAt: 1006 });
    c.observe([msg("a", 7), msg("c", 9)]);
    expect(c.get("a")!.count).toBe(4);
    expect(seen).toEqual(["a", "b", "c"]);
    expect(c.ids()).toEqual(["a", "b", "c"]);
  });
});

const tokens: Record<string, string> = {};
beforeAll(async () => {
  tokens.pub = await signToken({ sub: "p", publish: ["*"], subscribe: ["*"] }, { secret: SECRET });
  tokens.edr = await signToken({ sub: "e", subscribe: ["edr.*"] }, { secret: SECRET });
});
afterAll(() => removeTempDirs());

const plugin = () =>
  feedsPlugin({
    feeds: parseFeedsConfig({ feeds: [{ id: "hooks.d", kind: "webhook", mapping: { title: "t" } }] }),
    schedule: false,
  });

async function list(node: TestNode, who: string): Promise<{ epoch: string; feeds: FeedListing[] }> {
  const res = await fetch(`${node.url}/v1/feeds`, { headers: { authorization: `Bearer ${tokens[who]}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { epoch: string; feeds: FeedListing[] };
}

async function post(node: TestNode, feedId: string, n: number): Promise<number[]> {
  const res = await postMessages(
    node.url,
    feedId,
    Array.from({ length: n }, (_, i) => threat(i)),
    { authorization: `Bearer ${tokens.pub}` },
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as { seqs: number[] }).seqs;
}

/** The catalog follows the tail: the listing is right once the hub has fanned the last seq out. */
async function caughtUp(node: TestNode, seq: number): Promise<void> {
  for (let i = 0; i < 500 && node.node.hub.processed < seq; i++) await new Promise((r) => setTimeout(r, 10));
  expect(node.node.hub.processed).toBeGreaterThanOrEqual(seq);
}

async function catalogScenario(env: Record<string, string>): Promise<void> {
  const dataDir = tempDir();
  let node = await startNode(plugin(), { env: { TOKEN_SECRET: SECRET, ...env }, dataDir });
  expect(node.node.journal.kind).toBe(env.NATS_URL === undefined ? "embedded" : "jetstream");
  try {
    await post(node, "edr.alerts", 3);
    await post(node, "phishing.reports", 2);
    const seqs = await post(node, "edr.alerts", 2);
    await caughtUp(node, seqs.at(-1)!);
    const all = await list(node, "pub");
    expect(all.feeds.map((f) => f.id)).toEqual(["hooks.d", "edr.alerts", "phishing.reports"]);
    const edr = all.feeds.find((f) => f.id === "edr.alerts")!;
    expect(edr).toMatchObject({ count: 5, newestSeq: seqs.at(-1)!, configured: false });
    expect(Date.parse(edr.newestAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(all.feeds[0]).toMatchObject({ id: "hooks.d", count: 0, configured: true, role: "push" });
    // A narrow grant lists only what it may read.
    expect((await list(node, "edr")).feeds.map((f) => f.id)).toEqual(["edr.alerts"]);
    // Restarted on the same journal: the catalog is seeded from what the journal already holds.
    await node.stop();
    node = await startNode(plugin(), { env: { TOKEN_SECRET: SECRET, ...env }, dataDir });
    const again = await list(node, "pub");
    expect(again.epoch).toBe(all.epoch);
    expect(again.feeds.find((f) => f.id === "edr.alerts")).toMatchObject({
      count: 5,
      newestSeq: seqs.at(-1)!,
    });
    expect(again.feeds.find((f) => f.id === "phishing.reports")).toMatchObject({ count: 2 });
    const more = await post(node, "phishing.reports", 1);
    await caughtUp(node, more[0]!);
    expect((await list(node, "pub")).feeds.find((f) => f.id === "phishing.reports")).toMatchObject({
      count: 3,
      newestSeq: more[0]!,
    });
  } finally {
    await node.stop(true);
  }
}

describe("GET /v1/feeds lists every feed of the journal", () => {
  test("embedded journal", async () => {
    await catalogScenario({});
  });

  describe("JetStream journal", () => {
    let nats: NatsServer;
    beforeAll(async () => {
      nats = await startNatsServer();
    });
    afterAll(async () => {
      await nats.stop();
    });
    test("per-subject counts seed the catalog at start", async () => {
      await catalogScenario({ NATS_URL: nats.url, NATS_STREAM: "CATALOG" });
    }, 60_000);
  });
});
