/**
 * Attack table of issue 13, row 5, at node level: with ENCRYPTION_KEYS set, nothing the node writes under
 * DATA_DIR holds intelligence in the clear, and every file is owner-only. A marker travels in everything
 * an outsider can put on disk: a published message, a polled RSS item (title, guid and link — the guid
 * becomes the feed's seen key), the feed's validators (its ETag), a webhook body the mapping refuses (the
 * dead-letter queue). Then every file under DATA_DIR is read byte by byte.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { feedsPlugin, parseFeedsConfig } from "../../src/ingest/feeds/mod.ts";
import { signToken } from "../../src/security/tokens.ts";
import {
  removeTempDirs,
  startNode,
  startUpstream,
  type TestNode,
  tempDir,
  type Upstream,
} from "../ingest/feeds/node.ts";
import { SECRET } from "./keys.ts";

const MARKER = "MARKER-91d4e7-cleartext";
const KEYS = `k1:${Buffer.alloc(32, 9).toString("base64")}`;

const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>${MARKER} title</title><link>https://example.org/${MARKER}/a</link>
<guid>https://example.org/${MARKER}/guid</guid><description>${MARKER} body</description></item>
</channel></rss>`;

let up: Upstream;
let node: TestNode;
let token: string;

beforeAll(async () => {
  up = startUpstream();
  up.route(
    "/rss",
    () => new Response(rss, { headers: { etag: `"${MARKER}"`, "content-type": "application/rss+xml" } }),
  );
  const feeds = parseFeedsConfig({
    feeds: [
      { id: "news.m", kind: "rss", url: `${up.url}/rss`, interval: 3600 },
      { id: "hooks.m", kind: "webhook", mapping: { items: "findings", title: "t" } },
    ],
  });
  node = await startNode(feedsPlugin({ feeds, schedule: false }), {
    env: { TOKEN_SECRET: SECRET, ENCRYPTION_KEYS: KEYS },
    // Not there yet: the node creates DATA_DIR itself, as on a first start.
    dataDir: join(tempDir(), "data"),
  });
  token = await signToken({ sub: "p", publish: ["*"], subscribe: ["*"] }, { secret: SECRET });
});
afterAll(async () => {
  await node.stop(true);
  await up.stop();
  removeTempDirs();
});

function walk(dir: string): { files: string[]; dirs: string[] } {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return {
    files: entries.filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name)),
    dirs: [dir, ...entries.filter((d) => d.isDirectory()).map((d) => join(d.parentPath, d.name))],
  };
}

test("with ENCRYPTION_KEYS, no file under DATA_DIR holds the marker; files 0600, directories 0700", async () => {
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const posted = await fetch(`${node.url}/v1/feeds/edr.m/messages`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ priority: "high", payload: { title: `${MARKER} posted`, note: MARKER } }),
  });
  expect(posted.status).toBe(202);
  // A body the mapping cannot take: refused whole and dead-lettered with its raw bytes.
  const refused = await fetch(`${node.url}/v1/webhooks/hooks.m`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ findings: `${MARKER} not a list` }),
  });
  expect(refused.status).toBe(422);
  await node.plugin.pollNow("news.m");
  const polled = await node.messages("news.m");
  expect(polled.length).toBe(1);
  expect(JSON.stringify(polled[0]!.payload)).toContain(MARKER); // the node itself still reads it back
  await node.stop();

  const { files, dirs } = walk(node.dataDir);
  const names = files.map((f) => f.slice(node.dataDir.length + 1)).sort();
  // Each kind of file the node writes is in the walk, so none escapes the check by not existing.
  expect(names.some((n) => n.startsWith("feeds/") && n.includes("seen"))).toBe(true);
  expect(names.some((n) => n.startsWith("feeds/") && n.includes("state"))).toBe(true);
  expect(names.some((n) => n.startsWith("dlq/"))).toBe(true);
  const leaks = files.filter((f) => readFileSync(f).includes(MARKER));
  expect(leaks.map((f) => f.slice(node.dataDir.length + 1))).toEqual([]);
  const loose = files.filter((f) => (statSync(f).mode & 0o777) !== 0o600);
  expect(
    loose.map((f) => `${f.slice(node.dataDir.length + 1)} ${(statSync(f).mode & 0o777).toString(8)}`),
  ).toEqual([]);
  const open = dirs.filter((d) => (statSync(d).mode & 0o777) !== 0o700);
  expect(
    open.map((d) => `${d.slice(node.dataDir.length)} ${(statSync(d).mode & 0o777).toString(8)}`),
  ).toEqual([]);
});
