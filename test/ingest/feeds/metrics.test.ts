import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { cursorAgeSeconds } from "../../../src/ingest/feeds/metrics.ts";
import {
  type FeedConfig,
  type FeedLease,
  feedsPlugin,
  parseFeedsConfig,
  REAL_TIMERS,
} from "../../../src/ingest/feeds/mod.ts";
import { metricsPlugin, Registry } from "../../../src/observability/mod.ts";
import { samples, scrape } from "../../helpers/metrics.ts";
import { fixture, startNode, startUpstream, type TestNode, type Upstream } from "./node.ts";

// The pollers as /metrics shows them, from a node assembled as defaultPlugins assembles it: the metrics
// plugin and the feeds plugin sharing one registry.

let up: Upstream;
let node: TestNode | undefined;
let clock = 1_700_000_000_000;
const timers = { ...REAL_TIMERS, now: () => clock };

beforeAll(() => {
  up = startUpstream();
});
afterAll(() => up.stop());
afterEach(async () => {
  await node?.stop(true);
  node = undefined;
});

const feeds = (...list: Array<Record<string, unknown>>): FeedConfig[] => parseFeedsConfig({ feeds: list });

async function nodeWith(list: FeedConfig[], lease?: FeedLease): Promise<TestNode> {
  const registry = new Registry();
  const plugin = feedsPlugin({
    feeds: list,
    schedule: false,
    timers,
    sleep: async () => {},
    registry,
    ...(lease === undefined ? {} : { lease }),
  });
  node = await startNode(plugin, { before: [metricsPlugin({ registry, alerts: false })] });
  return node;
}

async function metrics(): Promise<Map<string, number>> {
  return samples(await scrape(node!.url));
}

const rss = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Response(body, { headers: { "content-type": "application/rss+xml", ...headers } });

describe("poller metrics", () => {
  test("a polled feed: its polls by result, items, last success, interval and cursor age", async () => {
    const lastModified = new Date(clock - 3_600_000).toUTCString();
    up.route("/guardian-m", (req) =>
      req.headers.get("if-none-match") === '"g1"'
        ? new Response(null, { status: 304 })
        : rss(fixture("feeds", "input", "guardian.rss"), { etag: '"g1"', "last-modified": lastModified }),
    );
    const n = await nodeWith(
      feeds({ id: "news.g", kind: "rss", url: `${up.url}/guardian-m`, interval: 600 }),
    );
    await n.plugin.pollNow("news.g");
    clock += 60_000;
    await n.plugin.pollNow("news.g");
    const m = await metrics();
    // The feed's messages carry their priority (low: no rules, no source level), never "unknown".
    expect(m.get('tacstream_messages_ingested_total{feed="news.g",priority="low"}')).toBe(55);
    expect([...m.keys()].filter((k) => k.includes('priority="unknown"'))).toEqual([]);
    expect(m.get('tacstream_feed_polls_total{feed="news.g",result="ok"}')).toBe(1);
    expect(m.get('tacstream_feed_polls_total{feed="news.g",result="not-modified"}')).toBe(1);
    expect(m.get('tacstream_feed_polls_total{feed="news.g",result="error"}')).toBe(0);
    expect(m.get('tacstream_feed_items_total{feed="news.g",result="ingested"}')).toBe(55);
    expect(m.get('tacstream_feed_last_success_timestamp_seconds{feed="news.g"}')).toBe(clock / 1000);
    expect(m.get('tacstream_feed_interval_seconds{feed="news.g"}')).toBe(600);
    expect(m.get('tacstream_feed_breaker_state{feed="news.g"}')).toBe(0);
    expect(m.get('tacstream_feed_active{feed="news.g"}')).toBe(1);
    // Last-Modified was an hour before the first poll, which was a minute ago.
    expect(m.get('tacstream_feed_cursor_age_seconds{feed="news.g"}')).toBe(3660);
    expect(m.get('tacstream_dlq_entries{feed="news.g"}')).toBe(0);
    // A second scrape adds nothing: the counters follow the pollers', they do not re-add them.
    expect((await metrics()).get('tacstream_feed_items_total{feed="news.g",result="ingested"}')).toBe(55);
  });

  test("a failing feed: errors, an open breaker, skipped polls and its dead letter", async () => {
    up.route("/broken-m", () => rss("<rss><channel><item><title>cut"));
    const n = await nodeWith(
      feeds(
        {
          id: "news.broken",
          kind: "rss",
          url: `${up.url}/broken-m`,
          retry: { attempts: 1 },
          breaker: { failureThreshold: 1, openMs: 600_000 },
        },
        { id: "hook.a", kind: "webhook", mapping: { title: "t" } },
      ),
    );
    up.route("/broken-m", () => new Response("down", { status: 503 }));
    await n.plugin.pollNow("news.broken");
    let m = await metrics();
    expect(m.get('tacstream_feed_polls_total{feed="news.broken",result="error"}')).toBe(1);
    expect(m.get('tacstream_feed_breaker_state{feed="news.broken"}')).toBe(2);
    expect(m.get('tacstream_feed_last_success_timestamp_seconds{feed="news.broken"}')).toBe(0);
    await n.plugin.pollNow("news.broken");
    m = await metrics();
    expect(m.get('tacstream_feed_polls_total{feed="news.broken",result="breaker-open"}')).toBe(1);
    // Half-open once the open time is up.
    clock += 600_001;
    expect((await metrics()).get('tacstream_feed_breaker_state{feed="news.broken"}')).toBe(1);
    // A document that does not parse goes to the DLQ: one entry, and the webhook feed shows 0.
    up.route("/broken-m", () => rss("<rss><channel><item><title>cut"));
    await n.plugin.pollNow("news.broken");
    m = await metrics();
    expect(m.get('tacstream_dlq_entries{feed="news.broken"}')).toBe(1);
    expect(m.get('tacstream_dlq_entries{feed="hook.a"}')).toBe(0);
    expect(m.get('tacstream_feed_items_total{feed="news.broken",result="dead-lettered"}')).toBe(1);
  });

  test("a node that never gets the lease says standby, and is not the one polling", async () => {
    const never: FeedLease = {
      acquire: async () => false,
      release: async () => {},
      holder: () => "node-b",
      close: async () => {},
    };
    up.route("/standby-m", () => rss(fixture("feeds", "input", "guardian.rss")));
    const n = await nodeWith(feeds({ id: "news.s", kind: "rss", url: `${up.url}/standby-m` }), never);
    await n.plugin.pollNow("news.s");
    const m = await metrics();
    expect(m.get('tacstream_feed_polls_total{feed="news.s",result="standby"}')).toBe(1);
    expect(m.get('tacstream_feed_polls_total{feed="news.s",result="ok"}')).toBe(0);
    expect(m.get('tacstream_feed_active{feed="news.s"}')).toBe(0);
    expect(m.get('tacstream_feed_last_success_timestamp_seconds{feed="news.s"}')).toBe(0);
  });
});

describe("cursorAgeSeconds", () => {
  const now = Date.parse("2026-01-02T00:00:00Z");
  test("TAXII: from the added_after cursor", () => {
    expect(cursorAgeSeconds("taxii", { cursor: "2026-01-01T23:00:00.000Z", events: {} }, now)).toBe(3600);
  });
  test("MISP: from the newest event timestamp", () => {
    expect(cursorAgeSeconds("misp", { events: { a: now - 10_000, b: now - 120_000 } }, now)).toBe(10);
  });
  test("a document feed: from Last-Modified; none without it", () => {
    expect(cursorAgeSeconds("rss", { lastModified: "Thu, 01 Jan 2026 23:59:00 GMT", events: {} }, now)).toBe(
      60,
    );
    expect(cursorAgeSeconds("rss", { events: {} }, now)).toBeUndefined();
    expect(cursorAgeSeconds("taxii", { cursor: "not a date", events: {} }, now)).toBeUndefined();
  });
});
