import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { feedsPlugin, parseFeedsConfig, REAL_TIMERS } from "../../../src/ingest/feeds/mod.ts";
import { startNode, startUpstream, type TestNode, type Upstream } from "./node.ts";

let up: Upstream;
let node: TestNode | undefined;

beforeAll(() => {
  up = startUpstream();
});
afterAll(() => up.stop());
afterEach(async () => {
  await node?.stop(true);
  node = undefined;
});

const UUIDS = [
  "5f4d1a2b-0001-4c3b-9a00-000000000001",
  "5f4d1a2b-0002-4c3b-9a00-000000000002",
  "5f4d1a2b-0003-4c3b-9a00-000000000003",
];

/** A MISP feed folder as MISP publishes one: manifest.json and one `<uuid>.json` per event. */
function mispFeed(root: string) {
  const timestamps = new Map(UUIDS.map((u, i) => [u, 1_700_000_000 + i]));
  const broken = new Set<string>();
  const missing = new Set<string>();
  up.route(`${root}/manifest.json`, () =>
    Response.json(
      Object.fromEntries(
        UUIDS.map((u, i) => [
          u,
          { info: `Event ${i}`, timestamp: String(timestamps.get(u)), threat_level_id: "1", Tag: [] },
        ]),
      ),
    ),
  );
  for (const [i, uuid] of UUIDS.entries()) {
    up.route(`${root}/${uuid}.json`, () => {
      if (missing.has(uuid)) return new Response("gone", { status: 404 });
      if (broken.has(uuid)) return Response.json({ Event: { info: "no uuid" } });
      return Response.json({
        Event: {
          uuid,
          info: `Phishing wave ${i}`,
          threat_level_id: i === 0 ? "1" : "3",
          timestamp: String(timestamps.get(uuid)),
          Orgc: { name: "CIRCL" },
          Attribute: [
            { type: "ip-dst", value: `198.51.100.${i + 1}`, to_ids: true },
            { type: "domain", value: `bad${i}.example.com`, to_ids: true },
            { type: "comment", value: "not an indicator", to_ids: false },
          ],
          Tag: [{ name: "tlp:white" }],
        },
      });
    });
  }
  return { timestamps, broken, missing };
}

const eventRequests = (root: string) =>
  up.requests.filter((r) => r.path.startsWith(root) && !r.path.endsWith("manifest.json"));

describe("MISP feed polling", () => {
  test("manifest, then only the events whose timestamp moved; each request paced by the rate limit", async () => {
    const root = "/misp-a";
    const feed = mispFeed(root);
    let clock = 1_000_000;
    const waits: number[] = [];
    const plugin = feedsPlugin({
      feeds: parseFeedsConfig({
        feeds: [
          { id: "intel.misp", kind: "misp", url: `${up.url}${root}/`, rateLimit: { rate: 2, burst: 1 } },
        ],
      }),
      schedule: false,
      timers: { ...REAL_TIMERS, now: () => clock },
      // Waiting moves the test's clock: the token bucket sees the time pass, nobody sleeps.
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    node = await startNode(plugin);
    const s1 = await plugin.pollNow("intel.misp");
    expect(s1.lastError).toBeNull();
    expect(s1.items).toBe(3);
    // The manifest took the one token; each event then waited half a second (2 per second).
    expect(waits).toEqual([500, 500, 500]);
    const msgs = await node.messages("intel.misp");
    const first = msgs.find((m) => m.payload.title === "Phishing wave 0")!;
    expect(first.payload.indicators).toEqual(["ipv4:198.51.100.1", "domain:bad0.example.com"]);
    expect(first.payload.threatLevel).toBe("high");
    expect(first.priority).toBe("high");
    expect(s1.cursor.mispEvents).toBe(3);

    const s2 = await plugin.pollNow("intel.misp");
    expect(s2.items).toBe(3);
    expect(eventRequests(root).length).toBe(3);

    feed.timestamps.set(UUIDS[1]!, 1_800_000_000);
    const s3 = await plugin.pollNow("intel.misp");
    expect(eventRequests(root).map((r) => r.path)).toEqual(
      [...UUIDS, UUIDS[1]].map((u) => `${root}/${u}.json`),
    );
    // The changed event is a new version: emitted again.
    expect(s3.items).toBe(4);
  });

  test("an event that 404s is skipped; a broken one is dead-lettered; the rest are ingested", async () => {
    const root = "/misp-b";
    const feed = mispFeed(root);
    feed.missing.add(UUIDS[0]!);
    feed.broken.add(UUIDS[2]!);
    const plugin = feedsPlugin({
      feeds: parseFeedsConfig({ feeds: [{ id: "intel.misp2", kind: "misp", url: `${up.url}${root}` }] }),
      schedule: false,
      sleep: async () => {},
    });
    node = await startNode(plugin);
    const s = await plugin.pollNow("intel.misp2");
    expect(s.items).toBe(1);
    expect(s.lastError).toContain("not a MISP event");
    const [entry] = plugin.dlq!.list({ limit: 5 }).entries;
    expect(entry?.format).toBe("misp");
    expect(entry?.path).toBe("Event.uuid");
    // Both are remembered as handled: the next poll fetches no event at all.
    const before = eventRequests(root).length;
    expect((await plugin.pollNow("intel.misp2")).consecutiveErrors).toBe(0);
    expect(eventRequests(root).length).toBe(before);
  });
});
