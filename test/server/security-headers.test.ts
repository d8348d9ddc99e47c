import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import { dashboardPlugin } from "../../src/dashboard/mod.ts";
import { EmbeddedJournal } from "../../src/journal/embedded/mod.ts";
import { createLogger } from "../../src/observability/log.ts";
import { API_HEADERS, DOCUMENT_HEADERS } from "../../src/server/security-headers.ts";
import { Tacstream } from "../../src/server/server.ts";

describe("security headers", () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-headers-"));
  const node = new Tacstream({
    config: loadConfig({ DATA_DIR: dir }),
    journal: new EmbeddedJournal({ dir }),
    logger: createLogger("silent"),
    plugins: [dashboardPlugin()],
  });
  const get = (path: string, init?: RequestInit) => node.app.fetch(new Request(`http://x${path}`, init));
  beforeAll(() => node.start({ publish: () => {}, subscriberCount: () => 0 }, () => false));
  afterAll(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("every API answer — accepted, refused, unknown route — carries the API set, and no document headers", async () => {
    const answers = [
      await get("/v1/feeds/a/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"priority":"low","payload":1}',
      }),
      await get("/v1/feeds/a/messages", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "x",
      }),
      await get("/nowhere"),
      await get("/health"),
    ];
    expect(answers.map((r) => r.status)).toEqual([202, 415, 404, 200]);
    for (const r of answers) {
      for (const [k, v] of API_HEADERS) expect(r.headers.get(k)).toBe(v);
      expect(r.headers.get("cache-control")).toBe("no-store");
      expect(r.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      for (const [k] of DOCUMENT_HEADERS) expect(r.headers.get(k)).toBeNull();
    }
  });

  test("the page gets the document headers too, and keeps its own CSP and caching", async () => {
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toStartWith("text/html");
    for (const [k, v] of [...API_HEADERS, ...DOCUMENT_HEADERS]) expect(page.headers.get(k)).toBe(v);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const css = await get("/dashboard/app.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("cache-control")).toBe("no-cache");
    expect(css.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

test("a node whose journal is not ready answers 503 with the request id, security and CORS headers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-notready-"));
  const node = new Tacstream({
    config: loadConfig({ DATA_DIR: dir }),
    journal: new EmbeddedJournal({ dir }),
    logger: createLogger("silent"),
    corsOrigin: (o) => (o === "https://console.example" ? o : null),
  });
  try {
    const res = await node.app.fetch(
      new Request("http://x/v1/feeds/a/messages", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://console.example" },
        body: '{"priority":"low","payload":1}',
      }),
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://console.example");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
