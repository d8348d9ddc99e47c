import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { createLogger } from "../../src/observability/log.ts";
import { isSecretKey, REDACTED, redactString } from "../../src/observability/redact.ts";
import { requestId, requestIdFor } from "../../src/observability/request-id.ts";

// A real HS256 token shape (header.payload.signature); it must never appear in a log line.
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbmFseXN0IiwiZmVlZHMiOlsiKiJdfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";
const SECRETS = [JWT, "hunter2-password", "s3cr3t-webhook-key", "ak_live_0123456789", "sessioncookie=abc"];

function capture(opts: { pretty?: boolean } = {}) {
  const lines: string[] = [];
  const log = createLogger(
    "debug",
    (l) => lines.push(l),
    {},
    { ...opts, now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6) },
  );
  return { log, lines };
}

function logEverySecret(log: ReturnType<typeof createLogger>) {
  log.info(`verifying Bearer ${JWT}`, { token: JWT });
  log.warn("login failed", {
    user: "ana",
    password: "hunter2-password",
    nested: { apiKey: "ak_live_0123456789" },
  });
  log.error("webhook", {
    headers: {
      authorization: `Bearer ${JWT}`,
      cookie: "sessioncookie=abc",
      "x-webhook-secret": "s3cr3t-webhook-key",
    },
    url: `https://intel.example/feed?token=${JWT}&page=2`,
    list: [{ private_key: "s3cr3t-webhook-key" }, `jwt inside an array ${JWT}`],
    err: new Error(`upstream said: invalid token ${JWT}`, {
      cause: new Error(`Basic ${btoa("u:hunter2-password")}`),
    }),
  });
  log.child({ secret: "s3cr3t-webhook-key", feed: "kev" }).debug("child");
}

describe("logger", () => {
  test("JSON lines carry time, level, msg and fields; children add fields", () => {
    const { log, lines } = capture();
    log.child({ reqId: "r1", feed: "kev" }).info("accepted", { sub: "svc", count: 3, level: "fake" });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: "2026-01-02T03:04:05.006Z",
      level: "info",
      msg: "accepted",
      reqId: "r1",
      feed: "kev",
      sub: "svc",
      count: 3,
    });
  });

  test("levels below the minimum are dropped", () => {
    const lines: string[] = [];
    const log = createLogger("warn", (l) => lines.push(l));
    log.info("no");
    log.debug("no");
    log.warn("yes");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["yes"]);
  });

  test("no secret, token or JWT reaches a JSON line", () => {
    const { log, lines } = capture();
    logEverySecret(log);
    const out = lines.join("\n");
    expect(lines).toHaveLength(4);
    for (const s of SECRETS) expect(out).not.toContain(s);
    expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
    expect(out).not.toContain(btoa("u:hunter2-password"));
    expect(out).toContain(REDACTED);
    // What is not secret survives: the user, the page parameter, the feed, the error's shape.
    const err = JSON.parse(lines[2]!).err;
    expect(err.name).toBe("Error");
    expect(err.message).toBe(`upstream said: invalid token ${REDACTED}`);
    expect(out).toContain('"user":"ana"');
    expect(out).toContain("&page=2");
    expect(JSON.parse(lines[3]!).feed).toBe("kev");
  });

  test("pretty output is human-readable and redacted too", () => {
    const { log, lines } = capture({ pretty: true });
    logEverySecret(log);
    const out = lines.join("\n");
    for (const s of SECRETS) expect(out).not.toContain(s);
    expect(lines[0]).toContain("03:04:05.006");
    expect(lines[0]).toContain("INFO");
    expect(lines[3]).toContain("feed=");
    expect(() => JSON.parse(lines[0]!)).toThrow();
  });

  test("a cyclic field does not lose the line or throw", () => {
    const { log, lines } = capture();
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => log.info("cyclic", { a })).not.toThrow();
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "cyclic", level: "info" });
  });

  test("secret key names and shapes", () => {
    for (const k of [
      "token",
      "accessToken",
      "Authorization",
      "client_secret",
      "password",
      "apiKey",
      "x-api-key",
      "key",
    ]) {
      expect(isSecretKey(k)).toBe(true);
    }
    for (const k of ["feed", "sub", "reqId", "count", "keys", "monkeys"]) expect(isSecretKey(k)).toBe(false);
    expect(redactString("plain text with no secrets")).toBe("plain text with no secrets");
    expect(redactString("GET /v1/stream?feeds=a&access_token=abc.def")).toBe(
      `GET /v1/stream?feeds=a&access_token=${REDACTED}`,
    );
  });
});

describe("request ids", () => {
  test("a sane X-Request-Id is kept and echoed, a hostile one replaced", async () => {
    const lines: string[] = [];
    const log = createLogger("debug", (l) => lines.push(l));
    const app = new Hono();
    app.use(requestId(log));
    app.get("/ok", (c) => c.text("ok"));
    app.get("/boom", (c) => c.json({ error: "x" }, 500, { "x-error-code": "INTERNAL" }));
    const ok = await app.request("/ok", { headers: { "x-request-id": "abc-123" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    const bad = await app.request("/boom", { headers: { "x-request-id": 'evil {}" <script>' } });
    const id = bad.headers.get("x-request-id")!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", reqId: id, status: 500, code: "INTERNAL" });
    const req = new Request("http://x/");
    expect(requestIdFor(req)).toBe(requestIdFor(req));
  });
});
