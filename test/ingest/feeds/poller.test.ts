import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import {
  type FeedConfig,
  feedsPlugin,
  parseFeedsConfig,
  REAL_TIMERS,
} from "../../../src/ingest/feeds/mod.ts";
import { fixture, startNode, startUpstream, type TestNode, type Upstream } from "./node.ts";

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

function feeds(...list: Array<Record<string, unknown>>): FeedConfig[] {
  return parseFeedsConfig({ feeds: list });
}

/** A node whose plugin polls only when told (`pollNow`), on the test's clock, with instant retries. */
async function nodeWith(list: FeedConfig[], dataDir?: string): Promise<TestNode> {
  const plugin = feedsPlugin({ feeds: list, schedule: false, timers, sleep: async () => {} });
  node = await startNode(plugin, dataDir === undefined ? {} : { dataDir });
  return node;
}

const xml = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Response(body, { headers: { "content-type": "application/rss+xml", ...headers } });

describe("polling real documents", () => {
  test("an RSS feed becomes threat messages; the ETag then gets a 304 and nothing new", async () => {
    up.route("/guardian", (req) =>
      req.headers.get("if-none-match") === '"g1"'
        ? new Response(null, { status: 304 })
        : xml(fixture("feeds", "input", "guardian.rss"), { etag: '"g1"' }),
    );
    const n = await nodeWith(
      feeds({ id: "news.guardian", kind: "rss", name: "The Guardian", url: `${up.url}/guardian` }),
    );
    const ingests: Array<{ byPriority?: readonly number[] }> = [];
    n.node.events.on("ingest", (e) => ingests.push(e));
    const s1 = await n.plugin.pollNow("news.guardian");
    expect(s1.items).toBe(55);
    // Counted by priority (critical, high, medium, low), else the metrics say priority="unknown".
    expect(ingests.map((e) => e.byPriority)).toEqual([[0, 0, 0, 55]]);
    expect(s1.lastError).toBeNull();
    expect(s1.cursor.etag).toBe('"g1"');
    const msgs = await n.messages("news.guardian");
    expect(msgs.length).toBe(55);
    const first = msgs[0]!;
    expect(first.priority).toBe("low"); // level info (no rules, no source level) travels as low
    expect(first.payload.source).toBe("The Guardian");
    expect(first.payload.title).toBe(
      "Trump State of the Union address promised unity but emphasized discord",
    );
    expect(first.payload.threatLevel).toBe("info");
    expect(first.payload.ttl).toBe(7 * 24 * 3600);
    // The item's own facts travel: something to click, its date (not "now"), its categories.
    expect(first.payload.link).toBe(
      "https://www.theguardian.com/us-news/2018/jan/31/donald-trump-state-of-the-union-address-unity-discord",
    );
    expect(first.payload.published).toBe(Date.parse("Wed, 31 Jan 2018 07:26:05 GMT"));
    expect(first.payload.tags).toContain("Donald Trump");
    const s2 = await n.plugin.pollNow("news.guardian");
    expect(s2.notModified).toBe(1);
    expect(s2.items).toBe(55);
    expect((await n.messages("news.guardian")).length).toBe(55);
  });

  test("items already emitted are not emitted again, even after a restart", async () => {
    up.route("/heise", () => xml(fixture("feeds", "input", "heise.atom")));
    const list = feeds({ id: "news.heise", kind: "rss", url: `${up.url}/heise` });
    const a = await nodeWith(list);
    expect((await a.plugin.pollNow("news.heise")).items).toBe(15);
    const dir = a.dataDir;
    await a.stop();
    const b = await nodeWith(list, dir);
    const s = await b.plugin.pollNow("news.heise");
    expect(s.items).toBe(0);
    expect(s.duplicates).toBe(15);
    expect(s.seenKeys).toBe(15);
    expect((await b.messages("news.heise")).length).toBe(15);
  });

  test("KEV: level rules, priority from level, and priority rules", async () => {
    up.route(
      "/kev",
      () =>
        new Response(fixture("threat", "cisa-kev.json"), { headers: { "content-type": "application/json" } }),
    );
    const n = await nodeWith(
      feeds({
        id: "cisa.kev",
        kind: "kev",
        url: `${up.url}/kev`,
        levelRules: [{ when: { titleMatches: "^Git Git:" }, level: "medium" }],
        priority: { rules: [{ when: { titleMatches: "^Microsoft Windows" }, priority: "critical" }] },
      }),
    );
    expect((await n.plugin.pollNow("cisa.kev")).items).toBe(1404);
    const msgs = await n.messages("cisa.kev");
    // Dated by the catalogue (dateAdded) where that is not ahead of the clock, and none expired at birth:
    // `ttl` counts from receipt for a message dated in the past.
    expect(msgs.length).toBe(1404);
    const dated = msgs.filter((m) => Number(m.payload.published) <= clock + 300_000);
    expect(dated.length).toBeGreaterThan(1000);
    expect(dated.every((m) => m.timestamp === m.payload.published)).toBe(true);
    expect(msgs.filter((m) => !dated.includes(m)).every((m) => m.timestamp !== m.payload.published)).toBe(
      true,
    );
    const byKey = (cve: string) =>
      msgs.find((m) => (m.payload.indicators as string[]).includes(`cve:${cve}`))!;
    const git = byKey("CVE-2025-48384");
    expect(git.payload.threatLevel).toBe("medium");
    expect(git.priority).toBe("medium");
    const windows = msgs.filter((m) => String(m.payload.title).startsWith("Microsoft Windows"));
    expect(windows.length).toBeGreaterThan(10);
    expect(windows.every((m) => m.priority === "critical")).toBe(true);
    const catalogue = JSON.parse(new TextDecoder().decode(fixture("threat", "cisa-kev.json"))) as {
      vulnerabilities: Array<{ knownRansomwareCampaignUse: string; product: string; vendorProject: string }>;
    };
    const ransomware = catalogue.vulnerabilities.filter(
      (v) =>
        v.knownRansomwareCampaignUse === "Known" &&
        !`${v.vendorProject} ${v.product}`.startsWith("Microsoft Windows"),
    ).length;
    const critical = msgs.filter(
      (m) => m.payload.threatLevel === "critical" && !String(m.payload.title).startsWith("Microsoft Windows"),
    );
    expect(critical.length).toBe(ransomware);
    expect(critical.every((m) => m.priority === "critical")).toBe(true);
  });

  test("a STIX bundle, and the same ids in the journal after a re-poll without validators", async () => {
    up.route("/apt1", () => new Response(fixture("threat", "stix", "apt1.json")));
    const n = await nodeWith(feeds({ id: "stix.apt1", kind: "stix", url: `${up.url}/apt1` }));
    expect((await n.plugin.pollNow("stix.apt1")).items).toBe(42);
    expect((await n.plugin.pollNow("stix.apt1")).duplicates).toBe(42);
    expect((await n.messages("stix.apt1")).length).toBe(42);
  });

  test("a feed declared in the wrong charset still reads right", async () => {
    // A Latin-1 document behind a server that labels everything UTF-8.
    up.route("/latin", () =>
      xml(fixture("feeds", "input", "encoding.rss"), { "content-type": "text/xml; charset=utf-8" }),
    );
    const n = await nodeWith(feeds({ id: "news.jn", kind: "rss", url: `${up.url}/latin` }));
    expect((await n.plugin.pollNow("news.jn")).items).toBe(40);
    const titles = (await n.messages("news.jn")).map((m) => String(m.payload.title));
    expect(titles).toContain("Mãe de utente é a nova presidente da Raríssimas");
    expect(titles.some((t) => t.includes("\ufffd"))).toBe(false);
  });
});

describe("hostile and broken sources", () => {
  test("billion laughs, a cut document, a non-feed: dead-lettered, and the poller goes on", async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><rss><channel><item><title>&lol2;</title></item></channel></rss>';
    let body: BodyInit = laughs;
    up.route("/hostile", () => xml(body));
    const n = await nodeWith(feeds({ id: "bad.feed", kind: "rss", url: `${up.url}/hostile` }));
    const s1 = await n.plugin.pollNow("bad.feed");
    expect(s1.errors).toBe(1);
    expect(s1.lastError).toContain("<!ENTITY");
    expect(s1.deadLettered).toBe(1);
    body = fixture("feeds", "input", "guardian.rss").slice(0, 50);
    expect((await n.plugin.pollNow("bad.feed")).lastError).toContain("no root element");
    body = fixture("feeds", "input", "unrecognized.rss");
    expect((await n.plugin.pollNow("bad.feed")).lastError).toContain("not an RSS, RDF or Atom document");
    body = fixture("feeds", "input", "rss-1.rss");
    const ok = await n.plugin.pollNow("bad.feed");
    expect(ok.items).toBe(69);
    expect(ok.consecutiveErrors).toBe(0);
    const dlq = n.plugin.dlq!.list({ limit: 10 }).entries;
    expect(dlq.map((e) => e.format)).toEqual(["rss", "rss", "rss"]);
    expect(dlq[0]!.reason).toContain("<!ENTITY");
    // A parse failure says nothing about the server's health: the breaker stays closed.
    expect(ok.breaker?.state).toBe("closed");
  });

  test("a truncated document is an error, not ok with fewer items: cut XML", async () => {
    const full = fixture("feeds", "input", "heise.atom");
    // Cut after the first few entries: the XML parser alone would return them and report success.
    const cut = full.slice(0, Math.floor(full.length / 2));
    let body: BodyInit = cut;
    up.route("/cut-atom", () => xml(body));
    const n = await nodeWith(feeds({ id: "cut.atom", kind: "rss", url: `${up.url}/cut-atom` }));
    const s1 = await n.plugin.pollNow("cut.atom");
    expect(s1.lastError).toContain("truncated");
    expect(s1.status).toBe("failing");
    expect(s1.items).toBe(0);
    const [entry] = n.plugin.dlq!.list({ limit: 5 }).entries;
    expect(entry?.format).toBe("rss");
    expect(entry?.reason).toContain("ends before </feed>");
    body = full;
    const s2 = await n.plugin.pollNow("cut.atom");
    expect(s2.status).toBe("ok");
    expect(s2.items).toBe(15);
  });

  test("a 50 MB body is refused at maxBytes and the next poll works", async () => {
    let big = true;
    up.route("/huge", () => {
      if (!big) return xml(fixture("feeds", "input", "rss-1.rss"));
      let left = 50 * 1024 * 1024;
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      return xml(
        new ReadableStream({
          pull(c) {
            if (left <= 0) return c.close();
            c.enqueue(chunk);
            left -= chunk.byteLength;
          },
        }),
      );
    });
    const n = await nodeWith(
      feeds({ id: "big.feed", kind: "rss", url: `${up.url}/huge`, maxBytes: 1024 * 1024 }),
    );
    const s1 = await n.plugin.pollNow("big.feed");
    expect(s1.lastError).toContain("larger than maxBytes (1048576)");
    expect(s1.items).toBe(0);
    // Too large is not worth retrying: one request, not three.
    expect(up.requests.filter((r) => r.path === "/huge").length).toBe(1);
    big = false;
    expect((await n.plugin.pollNow("big.feed")).items).toBe(69);
  });

  test("a connection cut mid-body is retried, then counted as one failed poll", async () => {
    let connections = 0;
    const raw: Server = createServer((sock) => {
      connections++;
      sock.on("data", () => {
        sock.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n<rss><channel><item><title>cut",
        );
        sock.destroy();
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const port = (raw.address() as { port: number }).port;
    try {
      const n = await nodeWith(
        feeds({ id: "cut.feed", kind: "rss", url: `http://127.0.0.1:${port}/`, retry: { attempts: 3 } }),
      );
      const s = await n.plugin.pollNow("cut.feed");
      expect(connections).toBe(3);
      expect(s.errors).toBe(1);
      expect(s.items).toBe(0);
      expect(s.breaker?.consecutiveFailures).toBe(1);
      expect(n.plugin.dlq!.size).toBe(0);
    } finally {
      raw.close();
    }
  });

  test("the breaker opens after 5 failed polls, refuses without calling, and recovers", async () => {
    let healthy = false;
    up.route("/flaky", () =>
      healthy ? xml(fixture("feeds", "input", "heise.atom")) : new Response("down", { status: 500 }),
    );
    const n = await nodeWith(
      feeds({ id: "flaky.feed", kind: "rss", url: `${up.url}/flaky`, retry: { attempts: 1 } }),
    );
    const calls = () => up.requests.filter((r) => r.path === "/flaky").length;
    for (let i = 1; i <= 4; i++) expect((await n.plugin.pollNow("flaky.feed")).breaker?.state).toBe("closed");
    const opened = await n.plugin.pollNow("flaky.feed");
    expect(opened.breaker?.state).toBe("open");
    expect(opened.status).toBe("circuit-open");
    expect(opened.errors).toBe(5);
    expect(calls()).toBe(5);
    const skipped = await n.plugin.pollNow("flaky.feed");
    expect(skipped.skipped).toBe(1);
    expect(calls()).toBe(5);
    expect(skipped.breaker?.retryAfterMs).toBe(60_000);
    clock += 60_000;
    healthy = true;
    const recovered = await n.plugin.pollNow("flaky.feed");
    expect(calls()).toBe(6);
    expect(recovered.breaker?.state).toBe("closed");
    expect(recovered.items).toBe(15);
    expect(recovered.consecutiveErrors).toBe(0);
  });

  test("a transient 503 is retried with full-jitter backoff within one poll", async () => {
    let failures = 2;
    up.route("/blip", () =>
      failures-- > 0 ? new Response("busy", { status: 503 }) : xml(fixture("feeds", "input", "heise.atom")),
    );
    const waits: number[] = [];
    const plugin = feedsPlugin({
      feeds: feeds({
        id: "blip",
        kind: "rss",
        url: `${up.url}/blip`,
        retry: { attempts: 3, baseMs: 100, capMs: 1000 },
      }),
      schedule: false,
      timers,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    node = await startNode(plugin);
    const s = await plugin.pollNow("blip");
    expect(s.items).toBe(15);
    expect(s.errors).toBe(0);
    // backoff(step, 100, 1000, 0.5) = 100 + floor(0.5 × (min(1000, 100·2^step) + 1))
    expect(waits).toEqual([150, 200]);
  });
});
