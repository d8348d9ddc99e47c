import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { feedsPlugin, parseFeedsConfig } from "../../../src/ingest/feeds/mod.ts";
import { TAXII_COLLECTION_ID, taxiiCollection } from "../../helpers/taxii.ts";
import { fixture, startNode, startUpstream, type TestNode, type Upstream } from "./node.ts";

interface StixObject {
  id: string;
  type: string;
  [k: string]: unknown;
}

const bundle = (name: string) =>
  (JSON.parse(new TextDecoder().decode(fixture("threat", "stix", name))) as { objects: StixObject[] })
    .objects;

/**
 * A TAXII 2.1 collection served as §5.4 says: objects ordered by date_added, `added_after` strictly
 * after, `limit`, `more`, `next`, and the X-TAXII-Date-Added-First/Last headers.
 */
class Collection {
  readonly objects: Array<{ added: string; object: StixObject }> = [];
  #t = Date.parse("2025-01-01T00:00:00.000Z");
  /** Page by `next` tokens (true) or by added_after alone (false). */
  useNext = true;

  add(objects: StixObject[]): void {
    for (const object of objects) {
      this.#t += 1000;
      this.objects.push({ added: new Date(this.#t).toISOString(), object });
    }
  }

  serve(req: Request): Response {
    if (req.headers.get("accept") !== "application/taxii+json;version=2.1") {
      return new Response("not acceptable", { status: 406 });
    }
    const q = new URL(req.url).searchParams;
    const after = q.get("added_after");
    const limit = Number(q.get("limit") ?? "100");
    const offset = Number(q.get("next") ?? "0");
    const matching = this.objects.filter((o) => after === null || o.added > after);
    const page = matching.slice(offset, offset + limit);
    const more = offset + limit < matching.length;
    const body: Record<string, unknown> = { more, objects: page.map((p) => p.object) };
    if (more && this.useNext) body.next = String(offset + limit);
    const headers: Record<string, string> = { "content-type": "application/taxii+json;version=2.1" };
    if (page.length > 0) {
      headers["X-TAXII-Date-Added-First"] = page[0]!.added;
      headers["X-TAXII-Date-Added-Last"] = page.at(-1)!.added;
    }
    return new Response(JSON.stringify(body), { headers });
  }
}

let up: Upstream;
let node: TestNode | undefined;
const PATH = "/api1/collections/c-1/objects/";

beforeAll(() => {
  up = startUpstream();
});
afterAll(() => up.stop());
afterEach(async () => {
  await node?.stop(true);
  node = undefined;
});

async function taxiiNode(taxii: Record<string, unknown>, dataDir?: string): Promise<TestNode> {
  const feeds = parseFeedsConfig({
    feeds: [
      { id: "intel.taxii", kind: "taxii", url: `${up.url}/api1/`, taxii: { collection: "c-1", ...taxii } },
    ],
  });
  const plugin = feedsPlugin({ feeds, schedule: false, sleep: async () => {} });
  node = await startNode(plugin, dataDir === undefined ? {} : { dataDir });
  return node;
}

type Msg = Awaited<ReturnType<TestNode["messages"]>>[number];

/**
 * Per STIX object version, what its newest message says: an object that a later page gave context
 * (a relationship) is emitted again with it, and that copy is what a reader ends up with.
 */
function newestPerVersion(msgs: readonly Msg[]): Map<string, { description: unknown; indicators: string[] }> {
  const out = new Map<string, { seq: number; description: unknown; indicators: string[] }>();
  for (const m of msgs) {
    const v = m.payload.stix as { id: string; modified: string };
    const k = `${v.id}@${v.modified}`;
    const prev = out.get(k);
    if (prev === undefined || prev.seq < m.seq) {
      const indicators = [...(m.payload.indicators as string[])].sort();
      out.set(k, { seq: m.seq, description: m.payload.description, indicators });
    }
  }
  return new Map([...out].map(([k, { description, indicators }]) => [k, { description, indicators }]));
}

/** The same bundle read in one piece: what the paged reads must end up equal to. */
async function unpaged(
  objects: StixObject[],
): Promise<Map<string, { description: unknown; indicators: string[] }>> {
  const c = new Collection();
  c.add(objects);
  up.route(PATH, (req) => c.serve(req));
  const n = await taxiiNode({ limit: 10_000 });
  expect((await n.plugin.pollNow("intel.taxii")).lastError).toBeNull();
  const out = newestPerVersion(await n.messages("intel.taxii"));
  await n.stop(true);
  node = undefined;
  return out;
}

const taxiiRequests = () =>
  up.requests.filter((r) => r.path.startsWith(PATH)).map((r) => new URL(`http://x${r.path}`));

describe("TAXII 2.1 polling", () => {
  test("follows more/next, keeps the cursor across a restart and asks only for what is new", async () => {
    const whole = await unpaged(bundle("poisonivy.json"));
    expect(whole.size).toBe(64); // 155 objects, 64 of which make items
    const c = new Collection();
    c.add(bundle("poisonivy.json"));
    up.route(PATH, (req) => c.serve(req));
    up.requests.length = 0;
    const a = await taxiiNode({ limit: 20 });
    const s1 = await a.plugin.pollNow("intel.taxii");
    expect(s1.lastError).toBeNull();
    // Pages of 20 split relationships from their ends: every object version ends up with the context
    // it has in the whole bundle (its newest message), some after being emitted again with it.
    const paged = await a.messages("intel.taxii");
    expect(paged.length).toBe(s1.items);
    expect(s1.items).toBeGreaterThan(64);
    expect(newestPerVersion(paged)).toEqual(whole);
    const reqs = taxiiRequests();
    expect(reqs.length).toBe(8);
    expect(reqs[0]!.searchParams.get("added_after")).toBeNull();
    expect(reqs.slice(1).map((u) => u.searchParams.get("next"))).toEqual([
      "20",
      "40",
      "60",
      "80",
      "100",
      "120",
      "140",
    ]);
    const last = c.objects.at(-1)!.added;
    expect(s1.cursor.taxii).toBe(last);

    const dir = a.dataDir;
    await a.stop();
    c.add(
      bundle("apt1.json")
        .filter((o) => o.type === "indicator")
        .slice(0, 5),
    );
    up.requests.length = 0;
    const b = await taxiiNode({ limit: 20 }, dir);
    expect(b.plugin.statuses()[0]!.cursor.taxii).toBe(last);
    const s2 = await b.plugin.pollNow("intel.taxii");
    expect(s2.items).toBe(5);
    const again = taxiiRequests();
    expect(again.length).toBe(1);
    expect(again[0]!.searchParams.get("added_after")).toBe(last);
    expect((await b.messages("intel.taxii")).length).toBe(s1.items + 5);
  });

  test("maxPages bounds one poll; the next poll resumes from the cursor; paging by date works without next", async () => {
    const whole = await unpaged(bundle("poisonivy.json"));
    const c = new Collection();
    c.useNext = false;
    c.add(bundle("poisonivy.json"));
    up.route(PATH, (req) => c.serve(req));
    up.requests.length = 0;
    const n = await taxiiNode({ limit: 50, maxPages: 2, addedAfter: "2024-12-31T00:00:00Z" });
    const s1 = await n.plugin.pollNow("intel.taxii");
    expect(taxiiRequests().length).toBe(2);
    expect(taxiiRequests()[0]!.searchParams.get("added_after")).toBe("2024-12-31T00:00:00Z");
    // Just before each page's last date (page 2 starts again at object 49): a shared date comes again.
    const before = new Date(Date.parse(c.objects[98]!.added) - 1).toISOString();
    expect(s1.cursor.taxii).toBe(before);
    const s2 = await n.plugin.pollNow("intel.taxii");
    expect(taxiiRequests()[2]!.searchParams.get("added_after")).toBe(before);
    expect(s2.cursor.taxii).toBe(c.objects[154]!.added);
    // The boundary object asked for again is de-duplicated, not emitted twice; the context split over
    // the two polls is not lost.
    expect(s2.duplicates).toBeGreaterThanOrEqual(1);
    const msgs = await n.messages("intel.taxii");
    const said = msgs.map((m) => `${JSON.stringify(m.payload.stix)} ${m.payload.description}`);
    expect(new Set(said).size).toBe(said.length);
    expect(msgs.length).toBe(s2.items); // the counter is the feed's total
    expect(newestPerVersion(msgs)).toEqual(whole);
  });

  test("a page that is not an envelope is dead-lettered and the cursor stays", async () => {
    up.route(
      PATH,
      () =>
        new Response('{"more": "yes"}', {
          headers: { "content-type": "application/taxii+json;version=2.1" },
        }),
    );
    const n = await taxiiNode({});
    const s = await n.plugin.pollNow("intel.taxii");
    expect(s.lastError).toContain("not a TAXII 2.1 envelope");
    expect(s.cursor.taxii).toBeUndefined();
    const [entry] = n.plugin.dlq!.list({ limit: 5 }).entries;
    expect(entry?.format).toBe("taxii");
    expect(entry?.path).toBe("more");
  });
});

describe("TAXII cursor against the reference collection (default_data.json)", () => {
  const ID = TAXII_COLLECTION_ID;
  const path = `/api1/collections/${ID}/objects/`;
  async function refNode(taxii: Record<string, unknown>, dataDir?: string): Promise<TestNode> {
    const feeds = parseFeedsConfig({
      feeds: [
        { id: "ref.taxii", kind: "taxii", url: `${up.url}/api1/`, taxii: { collection: ID, ...taxii } },
      ],
    });
    node = await startNode(
      feedsPlugin({ feeds, schedule: false, sleep: async () => {} }),
      dataDir === undefined ? {} : { dataDir },
    );
    return node;
  }
  /** Each object version's title and what its newest message says. */
  const keys = async (n: TestNode) => {
    const msgs = await n.messages("ref.taxii");
    const titles = new Map(
      msgs.map((m) => [
        `${(m.payload.stix as { id: string }).id}@${(m.payload.stix as { modified: string }).modified}`,
        m.payload.title,
      ]),
    );
    return [...newestPerVersion(msgs)]
      .map(([k, v]) => `${titles.get(k)} | ${k} | ${v.description} | ${v.indicators.join(",")}`)
      .sort();
  };

  async function all(): Promise<string[]> {
    const c = taxiiCollection();
    up.route(path, (req) => c.serve(req));
    const n = await refNode({});
    await n.plugin.pollNow("ref.taxii");
    const out = await keys(n);
    await n.stop(true);
    node = undefined;
    return out;
  }

  for (const useNext of [true, false]) {
    test(`limit 2, maxPages 1 (${useNext ? "next tokens" : "added_after only"}): nothing lost where a date_added is shared across pages`, async () => {
      const expected = await all();
      expect(expected.length).toBeGreaterThan(3);
      const c = taxiiCollection();
      c.useNext = useNext;
      // The two malware versions share one date_added and straddle a page boundary at limit 2.
      const shared = c.entries.filter((e) => e.added === "2017-01-27T13:49:59.997000Z");
      expect(shared.length).toBe(2);
      up.route(path, (req) => c.serve(req));
      const n = await refNode({ limit: 2, maxPages: 1 });
      for (let i = 0; i < 8; i++) {
        const s = await n.plugin.pollNow("ref.taxii");
        expect(s.lastError).toBeNull();
      }
      expect(await keys(n)).toEqual(expected);
      // Each version is its own message and says which STIX object and version it is.
      const versions = (await n.messages("ref.taxii"))
        .map((m) => m.payload.stix as { id: string; modified: string })
        .filter((x) => x.id === "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e")
        .map((x) => x.modified)
        .sort();
      expect(versions).toEqual([
        "2016-11-03T12:30:59.000Z",
        "2016-12-25T12:30:59.444Z",
        "2017-01-27T13:49:53.935Z",
      ]);
    });
  }

  test("a restart mid-chain resumes from the saved next token, the cursor unmoved", async () => {
    const expected = await all();
    const c = taxiiCollection();
    up.route(path, (req) => c.serve(req));
    const a = await refNode({ limit: 2, maxPages: 1 });
    await a.plugin.pollNow("ref.taxii");
    await a.plugin.pollNow("ref.taxii");
    const dir = a.dataDir;
    await a.stop();
    const b = await refNode({ limit: 2, maxPages: 1 }, dir);
    for (let i = 0; i < 6; i++) expect((await b.plugin.pollNow("ref.taxii")).lastError).toBeNull();
    // Every object version is there. The pages' context is kept in memory only: a relationship whose
    // source came before the restart does not reach it (docs/feeds.md says so).
    const versions = (list: string[]) => list.map((k) => k.split(" | ").slice(0, 2).join(" | "));
    expect(versions(await keys(b))).toEqual(versions(expected));
  });
});
