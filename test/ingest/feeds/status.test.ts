import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FeedStatusView, feedsPlugin, parseFeedsConfig } from "../../../src/ingest/feeds/mod.ts";
import { signToken } from "../../../src/security/tokens.ts";
import { SECRET } from "../../security/keys.ts";
import { fixture, startNode, startUpstream, type TestNode, type Upstream } from "./node.ts";

let up: Upstream;
let node: TestNode;
const tokens: Record<string, string> = {};
let firstPoll: Promise<void>;

beforeAll(async () => {
  up = startUpstream();
  let polled: () => void = () => {};
  firstPoll = new Promise((r) => {
    polled = r;
  });
  up.route("/guardian", () => {
    // Answer once the response is on its way: the poll then completes, the test awaits its status.
    queueMicrotask(polled);
    return new Response(fixture("feeds", "input", "guardian.rss"), { headers: { etag: '"g"' } });
  });
  const feeds = parseFeedsConfig({
    feeds: [
      { id: "news.a", kind: "rss", url: `${up.url}/guardian?apikey=hunter2`, interval: 3600 },
      { id: "news.b", kind: "rss", url: `${up.url}/none`, enabled: false },
      { id: "intel.kev", kind: "kev", url: `${up.url}/none`, interval: 3600 },
      { id: "hooks.d", kind: "webhook", mapping: { title: "t" } },
    ],
  });
  // Real timers: the first polls fall within 50 ms of start, then one an hour.
  node = await startNode(
    feedsPlugin({ feeds, startSpreadMs: 50, sleep: async () => {}, random: () => 0.5 }),
    {
      env: { TOKEN_SECRET: SECRET },
    },
  );
  tokens.news = await signToken({ sub: "n", subscribe: ["news.*"] }, { secret: SECRET });
  tokens.all = await signToken({ sub: "a", subscribe: ["*"] }, { secret: SECRET });
});
afterAll(async () => {
  await node.stop(true);
  await up.stop();
});

async function list(who?: string): Promise<{ status: number; feeds: FeedStatusView[] }> {
  const res = await fetch(
    `${node.url}/v1/feeds`,
    who === undefined ? {} : { headers: { authorization: `Bearer ${tokens[who]}` } },
  );
  return {
    status: res.status,
    feeds: res.ok ? ((await res.json()) as { feeds: FeedStatusView[] }).feeds : [],
  };
}

/** The scheduled poll of `id` has finished (its counters moved) — awaited through the status it reports. */
async function polled(id: string): Promise<FeedStatusView> {
  for (let i = 0; i < 100; i++) {
    const s = node.plugin.statuses().find((f) => f.id === id)!;
    if (s.lastDurationMs !== null) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${id} was not polled within a second`);
}

describe("GET /v1/feeds", () => {
  test("lists only the feeds the caller may subscribe to; anonymous callers are refused", async () => {
    expect((await list()).status).toBe(401);
    expect((await list("news")).feeds.map((f) => f.id)).toEqual(["news.a", "news.b"]);
    expect((await list("all")).feeds.map((f) => f.id)).toEqual(["news.a", "news.b", "intel.kev", "hooks.d"]);
  });

  test("live status: last and next poll, items, errors, breaker, cursor; no secrets", async () => {
    await firstPoll;
    await polled("news.a");
    await polled("intel.kev");
    const feeds = (await list("all")).feeds;
    const a = feeds.find((f) => f.id === "news.a")!;
    expect(a.role).toBe("active");
    expect(a.status).toBe("ok");
    expect(a.items).toBe(55);
    expect(a.errors).toBe(0);
    expect(a.breaker?.state).toBe("closed");
    expect(a.cursor.etag).toBe('"g"');
    expect(a.url).toBe(`${up.url}/guardian`);
    expect(JSON.stringify(feeds)).not.toContain("hunter2");
    expect(Date.parse(a.lastPoll!)).toBeGreaterThan(Date.now() - 60_000);
    // The next poll is one interval (± 10 %) after the last.
    const gap = Date.parse(a.nextPoll!) - Date.parse(a.lastPoll!);
    expect(gap).toBeGreaterThan(3_200_000);
    expect(gap).toBeLessThan(4_000_000);
    const kev = feeds.find((f) => f.id === "intel.kev")!;
    expect(kev.errors).toBe(1);
    expect(kev.status).toBe("failing");
    expect(kev.lastError).toContain("answered 404");
    expect(kev.breaker?.consecutiveFailures).toBe(1);
    expect(feeds.find((f) => f.id === "news.b")).toMatchObject({
      role: "disabled",
      lastPoll: null,
      nextPoll: null,
    });
    expect(feeds.find((f) => f.id === "hooks.d")).toMatchObject({ role: "push", url: null, breaker: null });
  });
});
