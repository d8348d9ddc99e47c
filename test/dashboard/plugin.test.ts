import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboardPlugin } from "../../src/dashboard/mod.ts";
import type { Plugin } from "../../src/server/plugin.ts";
import { type InProcessNode, startNode } from "../helpers/in-process.ts";

const dirs: string[] = [];
const env = () => {
  const DATA_DIR = mkdtempSync(join(tmpdir(), "tacstream-dash-"));
  dirs.push(DATA_DIR);
  return { PORT: "0", HOST: "127.0.0.1", DATA_DIR, LOG_LEVEL: "silent" };
};
const nodes: InProcessNode[] = [];
let n: InProcessNode;

beforeAll(async () => {
  n = await startNode(env(), [dashboardPlugin({ defaultFeeds: ["kev", "threats"] })]);
  nodes.push(n);
});
afterAll(async () => {
  for (const x of nodes) await x.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("dashboard plugin", () => {
  test("GET / renders the shell with its configuration and a strict CSP", async () => {
    const res = await fetch(`${n.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${n.port}`);
    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('data-auth="disabled"');
    expect(html).toContain('data-default-feeds="kev,threats"');
    // The runtime's default plugins include the feeds API and /metrics: the page is told so.
    expect(html).toContain('data-feeds-api="1"');
    expect(html).toContain('data-metrics="1"');
    expect(html).toMatch(/src="\/dashboard\/app\.js\?v=[0-9a-f]{8}"/);
  });

  test("the script bundled at build time is served with an ETag, and revalidates to 304", async () => {
    const res = await fetch(`${n.url}/dashboard/app.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    const js = await res.text();
    expect(js.length).toBeGreaterThan(5000);
    expect(js).not.toContain("valibot");
    const etag = res.headers.get("etag")!;
    const again = await fetch(`${n.url}/dashboard/app.js`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const css = await fetch(`${n.url}/dashboard/app.css`);
    expect(css.headers.get("content-type")).toContain("text/css");
    expect(await css.text()).toContain(".row");
  });

  test("optional endpoints mounted by other plugins are announced to the page; the script can be replaced", async () => {
    const extras: Plugin = {
      name: "extras",
      routes(app) {
        app.get("/v1/feeds", (c) => c.json({ feeds: [] }));
        app.get("/metrics", (c) => c.text(""));
      },
    };
    const custom = dashboardPlugin({ script: "console.log('custom page');" });
    const m = await startNode(env(), [custom, extras]);
    nodes.push(m);
    const html = await (await fetch(`${m.url}/`)).text();
    expect(html).toContain('data-feeds-api="1"');
    expect(html).toContain('data-metrics="1"');
    const js = await fetch(`${m.url}/dashboard/app.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toBe("console.log('custom page');");
  });
});
