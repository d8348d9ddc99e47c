/**
 * The page on each runtime entry (Bun, Node's bundle, Deno), in Chromium: the script loads, the page
 * connects, and a POSTed message appears. On Node and Deno the script used to be a 503 (it was built with
 * Bun.build at run time), leaving the page on "connecting".
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { postMessages, threat } from "../helpers/server.ts";
import { RUNTIMES, type RuntimeProcess, startRuntime } from "../runtime/runtimes.ts";
import { type Browser, launchBrowser, watchErrors } from "./browser.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

for (const rt of RUNTIMES) {
  describe(rt.name, () => {
    let srv: RuntimeProcess;
    beforeAll(async () => {
      rt.prepare?.();
      srv = await startRuntime(rt, { HEARTBEAT_INTERVAL_MS: "60000" });
    });
    afterAll(() => srv?.stop());

    test("the page connects and shows a posted message", async () => {
      const page = await browser.context.newPage();
      const errors = watchErrors(page);
      const js = await fetch(`${srv.url}/dashboard/app.js`);
      expect(js.status).toBe(200);
      await page.goto(`${srv.url}/?feeds=threats`);
      await page.waitForSelector('body[data-conn="connected"]', { timeout: 10_000 });
      const res = await postMessages(srv.url, "threats", threat(1, { title: `on ${rt.name}` }));
      const { seqs } = (await res.json()) as { seqs: number[] };
      await page.waitForSelector(`#threats .row[data-key="threats:${seqs[0]}"]`, { timeout: 5000 });
      expect(await page.textContent("#threats")).toContain(`on ${rt.name}`);
      expect(errors).toEqual([]);
      await page.close();
    });

    test("without ?feeds= the page shows history and a feed created while it is open", async () => {
      const before = await postMessages(srv.url, "rt.history", threat(2, { title: `history on ${rt.name}` }));
      const [old] = ((await before.json()) as { seqs: number[] }).seqs;
      const page = await browser.context.newPage();
      const errors = watchErrors(page);
      await page.goto(srv.url);
      await page.waitForSelector('body[data-conn="connected"]', { timeout: 10_000 });
      await page.waitForSelector(`#threats .row[data-key="rt.history:${old}"]`, { timeout: 5000 });
      const res = await postMessages(srv.url, `rt.new-${rt.name.toLowerCase()}`, threat(3));
      const { seqs } = (await res.json()) as { seqs: number[] };
      await page.waitForSelector(`#threats .row[data-key="rt.new-${rt.name.toLowerCase()}:${seqs[0]}"]`, {
        timeout: 5000,
      });
      await page.waitForSelector(`#feeds li[data-feed="rt.new-${rt.name.toLowerCase()}"]`, { timeout: 5000 });
      expect(errors).toEqual([]);
      await page.close();
    });
  });
}
