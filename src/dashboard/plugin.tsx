/** @jsxImportSource hono/jsx */

import type { Context, Hono } from "hono";
import { checksumHex, crc32 } from "../protocol/checksum.ts";
import type { NodeContext, Plugin } from "../server/plugin.ts";
import { APP_CSS } from "./assets/app-css.ts";
import { APP_JS } from "./assets/app-js.ts";
import { Page } from "./page.tsx";

export interface DashboardOptions {
  /** Page title. */
  title?: string;
  /** Rendered into the page for compatibility; the page now follows every readable feed (`*` pattern). */
  defaultFeeds?: string[];
  /** The page's script; defaults to the bundle `npm run build` makes of app/ (assets/app-js.ts). */
  script?: string;
}

interface Asset {
  body: string;
  etag: string;
  type: string;
}

const encoder = new TextEncoder();
const asset = (body: string, type: string): Asset => ({
  body,
  type,
  etag: `"${checksumHex(crc32(encoder.encode(body)))}"`,
});

/**
 * The command-center page at `GET /`, with its script and stylesheet under `/dashboard/`. The script was
 * bundled at build time (scripts/build.ts), so every runtime serves the same bytes and none needs a
 * bundler: building at run time needed Bun.build and left the page without a script on Node and Deno.
 */
export function dashboardPlugin(opts: DashboardOptions = {}): Plugin {
  return {
    name: "dashboard",
    routes(app: Hono, ctx: NodeContext) {
      const css = asset(APP_CSS, "text/css");
      const script = asset(opts.script ?? APP_JS, "text/javascript");
      // Optional endpoints are looked up when the page is served (other plugins mount after this one),
      // so the page never probes them and fills the browser console with 404s.
      const has = (path: string) => app.routes.some((r) => r.method === "GET" && r.path === path);

      const version = script.etag.slice(1, 9);
      app.get("/", (c) => {
        const html = (
          <Page
            title={opts.title ?? "tacstream command center"}
            auth={ctx.access.mode}
            feedsApi={has("/v1/feeds")}
            // A scrape token (METRICS_TOKEN) is for Prometheus, not for browsers: then the page does without.
            metrics={has("/metrics") && ctx.config.METRICS_TOKEN === undefined}
            defaultFeeds={(opts.defaultFeeds ?? ["threats"]).join(",")}
            version={version}
          />
        );
        return c.html(`<!doctype html>${String(html)}`, 200, pageCsp(c));
      });
      // Server-wide figures for the page header, right from its first second: no counting in the page.
      app.get("/v1/stats", async (c) => {
        await ctx.access.authenticate(c.req.raw, ctx.clientIp(c.req.raw));
        const hub = ctx.hub;
        return c.json({ rate: hub.rate(), connections: hub.sessions.size, last: hub.processed });
      });
      app.get("/dashboard/app.css", (c) => serve(c, css));
      app.get("/dashboard/app.js", (c) => serve(c, script));
    },
  };
}

function serve(c: Context, a: Asset): Response {
  const headers = { "content-type": `${a.type}; charset=utf-8`, etag: a.etag, "cache-control": "no-cache" };
  if (c.req.header("if-none-match") === a.etag) return c.body(null, 304, headers);
  return c.body(a.body, 200, headers);
}

/**
 * The page runs only its own script and talks only to its own origin (feeds are untrusted text). The
 * other security headers (nosniff, referrer policy, …) come from the app's `securityHeaders`.
 */
function pageCsp(c: Context): Record<string, string> {
  const host = c.req.header("host") ?? "";
  const ws = /^[a-zA-Z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : "";
  return {
    "content-security-policy": `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'${ws}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}
