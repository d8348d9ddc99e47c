import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { feedsPlugin, parseFeedsConfig } from "../../../src/ingest/feeds/mod.ts";
import { signToken } from "../../../src/security/tokens.ts";
import { SECRET } from "../../security/keys.ts";
import { startNode, startUpstream, type TestNode, type Upstream } from "../feeds/node.ts";

let up: Upstream;
let node: TestNode;
const tokens: Record<string, string> = {};
const ENV = { TOKEN_SECRET: SECRET };

const document = {
  results: [
    { id: "ioc-1", name: "Emotet C2", ip: "192.0.2.10", severity: "high" },
    { id: "ioc-2", name: "Qakbot loader", ip: "192.0.2.11", severity: "medium" },
  ],
};

/** The same feed, first with a mapping that misses the document's shape, then fixed. */
function feeds(itemsPath: string) {
  return parseFeedsConfig({
    feeds: [
      {
        id: "api.iocs",
        kind: "json",
        url: `${up.url}/iocs`,
        mapping: {
          items: itemsPath,
          key: "id",
          title: "name",
          indicators: ["ip"],
          level: { path: "severity" },
        },
      },
      { id: "news.x", kind: "rss", url: `${up.url}/none` },
    ],
  });
}

const plugin = (itemsPath: string) =>
  feedsPlugin({ feeds: feeds(itemsPath), schedule: false, sleep: async () => {} });

beforeAll(async () => {
  up = startUpstream();
  up.route("/iocs", () => Response.json(document));
  node = await startNode(plugin("data"), { env: ENV });
  const key = { secret: SECRET };
  tokens.operator = await signToken({ sub: "op", subscribe: ["api.*"], publish: ["api.*"] }, key);
  tokens.viewer = await signToken({ sub: "viewer", subscribe: ["api.*"] }, key);
  tokens.other = await signToken({ sub: "other", subscribe: ["news.*"], publish: ["news.*"] }, key);
});
afterAll(async () => {
  await node.stop(true);
  await up.stop();
});

const get = (path: string, who?: string) =>
  fetch(
    `${node.url}${path}`,
    who === undefined ? {} : { headers: { authorization: `Bearer ${tokens[who]}` } },
  );
const replay = (id: string, who?: string) =>
  fetch(`${node.url}/v1/dlq/${id}/replay`, {
    method: "POST",
    ...(who === undefined ? {} : { headers: { authorization: `Bearer ${tokens[who]}` } }),
  });

interface Listed {
  entries: Array<{
    id: string;
    feedId: string;
    format: string;
    reason: string;
    count: number;
    rawBytes: number;
  }>;
  next: string | null;
}

describe("DLQ over HTTP", () => {
  test("a document the mapping cannot read is listed to those who may read its feed", async () => {
    const s = await node.plugin.pollNow("api.iocs");
    expect(s.lastError).toContain('items path "data" does not lead to an array or an object');
    expect((await get("/v1/dlq")).status).toBe(401);
    const listed = (await (await get("/v1/dlq", "viewer")).json()) as Listed;
    expect(listed.entries.length).toBe(1);
    const entry = listed.entries[0]!;
    expect(entry).toMatchObject({ feedId: "api.iocs", format: "json", count: 1 });
    expect(entry.rawBytes).toBe(JSON.stringify(document).length);
    expect("raw" in entry).toBe(false);
    expect(((await (await get("/v1/dlq", "other")).json()) as Listed).entries).toEqual([]);
    const one = (await (await get(`/v1/dlq/${entry.id}`, "viewer")).json()) as { raw: string };
    expect(JSON.parse(atob(one.raw))).toEqual(document);
    expect((await get(`/v1/dlq/${entry.id}`, "other")).status).toBe(404);
    expect((await get("/v1/dlq?limit=0", "viewer")).status).toBe(422);
    expect((await get("/v1/dlq?after=nope", "viewer")).status).toBe(422);
  });

  test("replay needs the publish grant; with the same mapping it fails again and the entry stays", async () => {
    const [entry] = ((await (await get("/v1/dlq", "viewer")).json()) as Listed).entries;
    expect((await replay(entry!.id)).status).toBe(401);
    expect((await replay(entry!.id, "viewer")).status).toBe(403);
    expect((await replay(entry!.id, "other")).status).toBe(404);
    const failed = await replay(entry!.id, "operator");
    expect(failed.status).toBe(422);
    const after = ((await (await get("/v1/dlq", "viewer")).json()) as Listed).entries;
    expect(after.map((e) => [e.id, e.count])).toEqual([[entry!.id, 2]]);
  });

  test("after the mapping is fixed (restart), replay ingests and the entry leaves the DLQ", async () => {
    const dir = node.dataDir;
    await node.stop();
    node = await startNode(plugin("results"), { env: ENV, dataDir: dir });
    const [entry] = ((await (await get("/v1/dlq", "viewer")).json()) as Listed).entries;
    const res = await replay(entry!.id, "operator");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { replayed: string; accepted: number; seqs: number[] };
    expect(body.replayed).toBe(entry!.id);
    expect(body.accepted).toBe(2);
    expect(((await (await get("/v1/dlq", "viewer")).json()) as Listed).entries).toEqual([]);
    expect((await replay(entry!.id, "operator")).status).toBe(404);
    const msgs = await node.messages("api.iocs");
    expect(msgs.map((m) => m.payload.title)).toEqual(["Emotet C2", "Qakbot loader"]);
    expect(msgs.map((m) => m.priority)).toEqual(["high", "medium"]);
    // The replayed items count as seen: the next poll of the same document emits nothing new.
    expect((await node.plugin.pollNow("api.iocs")).duplicates).toBe(2);
    expect((await node.messages("api.iocs")).length).toBe(2);
  });

  test("a dead-lettered item replays through the feed's level rules and leaves", async () => {
    const item = {
      key: "manual-1",
      title: "Manual entry",
      description: "",
      indicators: ["cve:CVE-2024-3400"],
      threatLevel: "critical",
    };
    const entry = await node.plugin.dlq!.add({
      feedId: "api.iocs",
      format: "item",
      reason: "test",
      code: "VALIDATION",
      raw: new TextEncoder().encode(JSON.stringify(item)),
    });
    const res = await replay(entry.id, "operator");
    expect(res.status).toBe(200);
    const msgs = await node.messages("api.iocs");
    expect(msgs.at(-1)!.payload).toMatchObject({ title: "Manual entry", threatLevel: "critical" });
    expect(msgs.at(-1)!.priority).toBe("critical");
    expect(node.plugin.dlq!.get(entry.id)).toBeUndefined();
  });
});
