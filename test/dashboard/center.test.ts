/**
 * The command center as an analyst meets it, in real Chromium: history on open, feeds created by plain
 * POSTs appearing by themselves, polled items with their source link and date, search and pivots,
 * severity counts, server-wide figures from the first second, plain breaker words, a narrow layout, an
 * empty state — and a viewer whose token lacks a feed never seeing it. Screenshots: test/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { signToken } from "../../src/security/mod.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { fixture, removeTempDirs, startUpstream, tempDir, type Upstream } from "../ingest/feeds/node.ts";
import { ARTIFACTS, type Browser, launchBrowser, watchErrors } from "./browser.ts";

const SECRET = "c".repeat(40);
let srv: ServerProcess;
let up: Upstream;
let browser: Browser;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  up = startUpstream();
  up.route("/news.rss", () => new Response(fixture("feeds", "input", "guardian.rss")));
  const dir = tempDir();
  const feedsFile = join(dir, "feeds.json");
  writeFileSync(
    feedsFile,
    JSON.stringify({
      feeds: [
        { id: "news.guardian", kind: "rss", url: `${up.url}/news.rss`, interval: 3600 },
        // Answers 404: failing, and with a threshold of one the breaker opens at once.
        {
          id: "intel.broken",
          kind: "kev",
          url: `${up.url}/gone`,
          interval: 3600,
          breaker: { failureThreshold: 1 },
        },
      ],
    }),
  );
  tokens.admin = await signToken({ sub: "admin", subscribe: ["*"], publish: ["*"] }, { secret: SECRET });
  tokens.intel = await signToken({ sub: "analyst", subscribe: ["intel.*"] }, { secret: SECRET });
  tokens.empty = await signToken({ sub: "newcomer", subscribe: ["empty.*"] }, { secret: SECRET });
  const [s, b] = await Promise.allSettled([
    startServer(
      { TOKEN_SECRET: SECRET, FEEDS_FILE: feedsFile, HEARTBEAT_INTERVAL_MS: "60000" },
      { entry: "test/helpers/in-process.ts" },
    ),
    launchBrowser(),
  ]);
  const failed = [s, b].find((r) => r.status === "rejected");
  if (failed !== undefined) {
    if (s.status === "fulfilled") await s.value.stop();
    if (b.status === "fulfilled") await b.value.close();
    throw failed.reason;
  }
  srv = (s as PromiseFulfilledResult<ServerProcess>).value;
  browser = (b as PromiseFulfilledResult<Browser>).value;
  // The first polls run within the scheduler's start spread (5 s): wait for both, so counts are known.
  for (let i = 0; ; i++) {
    const res = await fetch(`${srv.url}/v1/feeds`, { headers: bearer(tokens.admin!) });
    const feeds = ((await res.json()) as { feeds: Array<{ id: string; count: number; status?: string }> })
      .feeds;
    const news = feeds.find((f) => f.id === "news.guardian");
    const broken = feeds.find((f) => f.id === "intel.broken");
    if (news?.count === NEWS_ITEMS && broken?.status !== "starting") break;
    if (i > 300) throw new Error(`feeds not polled in time: ${JSON.stringify(feeds)}`);
    await Bun.sleep(50);
  }
});
const NEWS_ITEMS = 55;
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await up?.stop();
  removeTempDirs();
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
async function post(feedId: string, bodies: unknown[]): Promise<string[]> {
  const res = await postMessages(srv.url, feedId, bodies, bearer(tokens.admin!));
  expect(res.status).toBe(202);
  const { seqs } = (await res.json()) as { seqs: number[] };
  return seqs.map((s) => `${feedId}:${s}`);
}
const lvl = (level: string, i: number, extra: Record<string, unknown> = {}) =>
  threat(i, { threatLevel: level, title: `${level} ${i}`, ...extra });

/** A page whose tab already holds `token` (the token dialog is tested elsewhere). */
async function openPage(token: string, viewport = { width: 1400, height: 820 }) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  await page.addInitScript((t) => sessionStorage.setItem("tacstream.token", t), token);
  const errors = watchErrors(page);
  const frames: string[] = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
  await page.goto(srv.url);
  await page.waitForSelector('body[data-conn="connected"]', { timeout: 10_000 });
  return { page, errors, frames };
}
const feedIds = (p: Page) =>
  p.$$eval("#feeds li", (els) => els.map((e) => (e as HTMLElement).dataset.feed!).sort());
const rowKeys = (p: Page) =>
  p.$$eval("#threats .row[data-key]:not([hidden])", (els) =>
    els
      .map((e) => {
        const el = e as HTMLElement;
        return {
          key: el.dataset.key!,
          y: Number(/translateY\((\d+)px\)/.exec(el.style.transform)?.[1] ?? 0),
        };
      })
      .sort((a, b) => a.y - b.y)
      .map((r) => r.key),
  );
const heldCount = (p: Page) => p.$eval("#threats", (el) => Number((el as HTMLElement).dataset.count ?? 0));

describe("command center", () => {
  test("nothing to read yet: a clear empty state, and server figures within the first second", async () => {
    // A token whose grants cover no feed yet: the page says so instead of staying blank.
    const { page, errors } = await openPage(tokens.empty!);
    const t0 = Date.now();
    await page.waitForFunction(() => document.getElementById("fig-conns")?.textContent === "1", null, {
      timeout: 1500,
    });
    const figuresAfterMs = Date.now() - t0;
    expect(await page.isVisible("#empty")).toBe(true);
    expect(await page.textContent("#empty")).toContain("No messages yet");
    await page.screenshot({ path: join(ARTIFACTS, "center-empty.png") });
    console.log(`connections shown ${figuresAfterMs} ms after the page connected`);
    expect(errors).toEqual([]);
    await page.close();
  });

  test("history on open, newest first; feeds created by plain POSTs appear while open; reload keeps history", async () => {
    // ~200 messages on four feeds before the page opens.
    const levels = ["critical", "high", "medium", "low"];
    const posted: string[] = [];
    for (const [f, feed] of ["edr.alerts", "phishing.reports", "intel.kev", "threats"].entries()) {
      posted.push(
        ...(await post(
          feed,
          Array.from({ length: 50 }, (_, i) => lvl(levels[(i + f) % 4]!, i)),
        )),
      );
    }
    const { page, errors, frames } = await openPage(tokens.admin!);
    await page.waitForFunction(
      (n) => Number(document.getElementById("threats")?.dataset.count) >= n,
      200 + NEWS_ITEMS,
      {
        timeout: 10_000,
      },
    );
    const keys = await rowKeys(page);
    const seqOf = (k: string) => Number(k.split(":").at(-1));
    expect(keys[0]).toBe(posted.at(-1)!);
    expect(keys.map(seqOf)).toEqual([...keys.map(seqOf)].sort((a, b) => b - a));
    expect(await heldCount(page)).toBe(200 + NEWS_ITEMS);
    expect(await feedIds(page)).toEqual(
      expect.arrayContaining(["edr.alerts", "intel.kev", "phishing.reports", "threats"]),
    );
    // Severity counts of what the page holds: per feed, and overall (the polled items count too).
    expect(Number(await page.textContent("#count-critical"))).toBeGreaterThanOrEqual(50);
    const edr = await page.textContent('#feeds li[data-feed="edr.alerts"]');
    expect(edr).toContain("50 in journal");
    expect(edr).toContain("13 critical");

    // A feed created by a plain POST while the page is open: listed, and its messages shown.
    const [fresh] = await post("malware.samples", [lvl("critical", 900, { title: "dropper seen" })]);
    await page.waitForSelector(`#feeds li[data-feed="malware.samples"]`, { timeout: 3000 });
    await page.waitForSelector(`#threats .row[data-key="${fresh}"]`, { timeout: 3000 });
    // Live after history: no message twice, none missing at the seam.
    const live = await post("threats", [lvl("high", 901)]);
    await page.waitForSelector(`#threats .row[data-key="${live[0]}"]`, { timeout: 3000 });
    const after = await rowKeys(page);
    expect(new Set(after).size).toBe(after.length);
    expect(await heldCount(page)).toBe(202 + NEWS_ITEMS);
    const delivered = frames
      .filter((f) => f.includes('"seq":'))
      .map((f) => JSON.parse(f) as { feedId: string; seq: number });
    expect(new Set(delivered.map((m) => `${m.feedId}:${m.seq}`)).size).toBe(delivered.length);
    await page.screenshot({ path: join(ARTIFACTS, "center-history.png") });

    // Reload: the history is there again, including the feed created while the page was open.
    await page.reload();
    await page.waitForSelector('body[data-conn="connected"]', { timeout: 10_000 });
    await page.waitForSelector(`#threats .row[data-key="${fresh}"]`, { timeout: 10_000 });
    await page.waitForFunction(
      (n) => Number(document.getElementById("threats")?.dataset.count) >= n,
      202 + NEWS_ITEMS,
      {
        timeout: 10_000,
      },
    );
    expect((await rowKeys(page))[0]).toBe(live[0]!);
    expect(errors).toEqual([]);
    await page.close();
  });

  test("search, indicator pivot, source link and publication date of polled items, plain breaker words", async () => {
    await post("intel.kev", [
      lvl("critical", 1000, {
        title: "Ivanti exploit chain",
        indicators: ["cve:CVE-2025-0282", "ipv4:198.51.100.9"],
      }),
      lvl("high", 1001, { title: "scanner", indicators: ["ipv4:198.51.100.9"] }),
    ]);
    const { page, errors } = await openPage(tokens.admin!);
    // The polled feeds: the RSS one succeeds (55 items), the other fails with an open breaker.
    await page.waitForFunction(
      () =>
        document.querySelector('#feeds li[data-feed="news.guardian"] .status')?.textContent === "healthy" &&
        document.querySelector('#feeds li[data-feed="intel.broken"] .status')?.textContent ===
          "failing, retrying",
      null,
      { timeout: 15_000 },
    );
    expect(await page.textContent("#feeds")).not.toMatch(/\b(closed|half-open)\b/);

    await page.fill("#search", "ivanti");
    await page.waitForFunction(() => document.getElementById("threats")?.dataset.count === "1", null, {
      timeout: 2000,
    });
    await page.click("#threats .row[data-key]:not([hidden])");
    await page.waitForSelector('#detail button.pivot[data-indicator="ipv4:198.51.100.9"]');
    await page.fill("#search", "");
    await page.click('#detail button.pivot[data-indicator="ipv4:198.51.100.9"]');
    await page.waitForSelector("#pivot:not([hidden])");
    await page.waitForFunction(() => document.getElementById("threats")?.dataset.count === "2", null, {
      timeout: 2000,
    });
    const titles = await page.$$eval("#threats .row[data-key]:not([hidden]) .title", (els) =>
      els.map((e) => e.textContent),
    );
    expect(titles.sort()).toEqual(["Ivanti exploit chain", "scanner"]);
    await page.screenshot({ path: join(ARTIFACTS, "center-pivot.png") });
    await page.click("#pivot");
    await page.waitForSelector("#pivot[hidden]", { state: "attached" });

    // A polled RSS item: its link to the source and when the source published it.
    await page.selectOption("#feed-filter", "news.guardian");
    await page.waitForFunction(() => Number(document.getElementById("threats")?.dataset.count) > 0, null, {
      timeout: 5000,
    });
    await page.click("#threats .row[data-key]:not([hidden])");
    const href = await page.getAttribute("#detail-link", "href");
    expect(href).toMatch(/^https?:\/\//);
    expect(await page.getAttribute("#detail-link", "rel")).toContain("noopener");
    expect(await page.textContent("#detail")).toMatch(/Published\d{4}-\d\d-\d\dT/);
    await page.screenshot({ path: join(ARTIFACTS, "center-polled.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  test("narrow screen (420 px): nothing in the header is clipped", async () => {
    const { page, errors } = await openPage(tokens.admin!, { width: 420, height: 860 });
    // msg/s is the node's, from /v1/stats: it moves with traffic the page never subscribed to first.
    await post(
      "rate.check",
      Array.from({ length: 100 }, (_, i) => lvl("low", i)),
    );
    await page.waitForFunction(() => Number(document.getElementById("fig-rate")?.textContent) >= 100, null, {
      timeout: 3000,
    });
    const clipped = await page.evaluate(() => {
      const header = document.querySelector("header")!;
      const out: string[] = [];
      if (header.scrollWidth > header.clientWidth)
        out.push(`header ${header.scrollWidth}>${header.clientWidth}`);
      for (const el of header.querySelectorAll<HTMLElement>("h1, #conn, .figures div")) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 0.5 || r.left < 0)
          out.push(`${el.id || el.tagName} at ${r.left}-${r.right}`);
        if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.id || el.tagName} text clipped`);
      }
      return out;
    });
    expect(clipped).toEqual([]);
    expect(await page.isVisible("#threats")).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "center-narrow.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  test("a viewer whose token lacks a feed never sees it: not in the list, the catalog, or the stream", async () => {
    const { page, errors, frames } = await openPage(tokens.intel!);
    await page.waitForSelector('#feeds li[data-feed="intel.kev"]', { timeout: 5000 });
    // Created while the viewer is on the page: one it may read, one it may not.
    await post("edr.late", [lvl("critical", 1)]);
    const [ok] = await post("intel.late", [lvl("high", 2)]);
    await page.waitForSelector(`#threats .row[data-key="${ok}"]`, { timeout: 3000 });
    const listed = await feedIds(page);
    expect(listed.length).toBeGreaterThan(0);
    for (const id of listed) expect(id.startsWith("intel.")).toBe(true);
    const catalog = await page.evaluate(async () => {
      const t = sessionStorage.getItem("tacstream.token");
      const res = await fetch("/v1/feeds", { headers: { authorization: `Bearer ${t}` } });
      return ((await res.json()) as { feeds: Array<{ id: string }> }).feeds.map((f) => f.id);
    });
    expect(catalog.length).toBeGreaterThan(0);
    for (const id of catalog) expect(id.startsWith("intel.")).toBe(true);
    const shown = await page.$$eval("#threats .row[data-feed]", (els) =>
      els.map((e) => (e as HTMLElement).dataset.feed!),
    );
    for (const id of shown) expect(id.startsWith("intel.")).toBe(true);
    // Not one frame on the socket names another feed.
    for (const other of ["edr.", "phishing.", "threats", "malware.", "news."]) {
      expect(frames.filter((f) => f.includes(other))).toEqual([]);
    }
    await page.screenshot({ path: join(ARTIFACTS, "center-narrow-grant.png") });
    expect(errors).toEqual([]);
    await page.close();
  });
});
