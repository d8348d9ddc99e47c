import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { signToken, signWebhook } from "../../src/security/mod.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

/**
 * The attack table of issue 4, against the real server with auth on: every row is refused with its
 * exact status or close code, nothing is stored or delivered, and the refusal is counted.
 */
const SECRET = "s".repeat(40);
const OTHER = "o".repeat(40);
const HOOK_SECRET = "hook-secret-0123456789";
let srv: ServerProcess;
let good: string;
let reader: string;
let admin: string;

beforeAll(async () => {
  srv = await startServer({
    TOKEN_SECRET: SECRET,
    WEBHOOK_SECRETS: `hooks.github:${HOOK_SECRET}`,
    ALLOWED_ORIGINS: "https://ops.example.com",
    CONNECTIONS_PER_IP_PER_SECOND: "5",
  });
  good = await signToken(
    { sub: "pub", publish: ["threats.*"], subscribe: ["threats.*"] },
    { secret: SECRET },
  );
  reader = await signToken({ sub: "reader", subscribe: ["threats.eu"] }, { secret: SECRET });
  admin = await signToken({ sub: "admin", subscribe: ["*"] }, { secret: SECRET });
});
afterAll(() => srv.stop());

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

async function stored(feed: string): Promise<number> {
  const res = await fetch(`${srv.url}/v1/feeds/${feed}/messages?since=0`, { headers: bearer(admin) });
  return ((await res.json()) as { messages: unknown[] }).messages.length;
}

describe("tokens", () => {
  test("a valid token publishes", async () => {
    expect((await postMessages(srv.url, "threats.eu", threat(1), bearer(good))).status).toBe(202);
  });

  const rows: Array<[string, () => Promise<string>]> = [
    ["no token", async () => ""],
    ["alg: none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "x", publish: ["*"] })}.`],
    ["signed with another key", () => signToken({ sub: "x", publish: ["*"] }, { secret: OTHER })],
    [
      "tampered payload",
      async () => {
        const [h, , s] = good.split(".");
        return `${h}.${b64({ sub: "pub", publish: ["*"], exp: 9_999_999_999 })}.${s}`;
      },
    ],
    ["expired", () => signToken({ sub: "x", publish: ["*"], expiresInSec: -60 }, { secret: SECRET })],
    ["not yet valid", () => signToken({ sub: "x", publish: ["*"], notBeforeSec: 600 }, { secret: SECRET })],
  ];
  for (const [name, make] of rows) {
    test(`${name}: 401 on publish and on upgrade, nothing stored`, async () => {
      const token = await make();
      const headers = token === "" ? {} : bearer(token);
      const res = await postMessages(srv.url, "threats.attack", threat(1), headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
      const up = await fetch(`${srv.url}/v1/stream?token=${token}`, {
        headers: {
          upgrade: "websocket",
          connection: "upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      });
      expect(up.status).toBe(401);
      expect(await stored("threats.attack")).toBe(0);
    });
  }

  test("missing grant: 403 on publish; wildcard threats.* does not match threatsX", async () => {
    expect((await postMessages(srv.url, "threats.eu", threat(1), bearer(reader))).status).toBe(403);
    expect((await postMessages(srv.url, "threatsx", threat(1), bearer(good))).status).toBe(403);
    expect((await postMessages(srv.url, "threats", threat(1), bearer(good))).status).toBe(403);
  });

  test("subscribe outside the grants: per-feed FORBIDDEN, the granted feed keeps flowing", async () => {
    const s = await openSocket(`${srv.wsUrl}/v1/stream`, ["tacstream.v1.json", `tacstream.token.${reader}`]);
    expect(s.ws.protocol).toBe("tacstream.v1.json");
    s.send({ op: "subscribe", id: 1, feeds: ["threats.us", "threats.eu"] });
    expect(await s.nextJson()).toMatchObject({ type: "error", code: "FORBIDDEN", feedId: "threats.us" });
    const reply = await s.nextJson<{ feeds: Record<string, unknown> }>();
    expect(Object.keys(reply.feeds)).toEqual(["threats.eu"]);
    await postMessages(srv.url, "threats.us", threat(7), bearer(good));
    await postMessages(srv.url, "threats.eu", threat(8), bearer(good));
    const m = await s.nextJson<{ feedId: string }>();
    expect(m.feedId).toBe("threats.eu");
    const replay = await fetch(`${srv.url}/v1/feeds/threats.us/messages`, { headers: bearer(reader) });
    expect(replay.status).toBe(403);
    s.close();
  });

  test("a token that expires on a live socket closes it with 4401", async () => {
    const short = await signToken({ sub: "short", subscribe: ["*"], expiresInSec: 2 }, { secret: SECRET });
    const s = await openSocket(`${srv.wsUrl}/v1/stream?token=${short}`);
    const err = await s.untilJson((m) => m.type === "error", 6000);
    expect(err).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await s.closed).code).toBe(4401);
  });
});

describe("edges", () => {
  test("a wrong origin cannot open a socket", async () => {
    const res = await fetch(`${srv.url}/v1/stream?token=${good}`, {
      headers: {
        origin: "https://evil.example.net",
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(res.status).toBe(403);
  });

  test("a 2 MiB body is refused with 413", async () => {
    const big = { priority: "low", payload: "x".repeat(2 * 1024 * 1024) };
    expect((await postMessages(srv.url, "threats.eu", big, bearer(good))).status).toBe(413);
  });

  test("a body nested 10,000 levels deep is refused with 400", async () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    expect((await postMessages(srv.url, "threats.deep", deep, bearer(good))).status).toBe(400);
    expect(await stored("threats.deep")).toBe(0);
  });

  test("prototype-pollution keys are refused with 400", async () => {
    for (const body of [
      '{"priority":"low","payload":{"__proto__":{"polluted":1}}}',
      '[{"priority":"low","payload":{"a":{"constructor":{"prototype":{"polluted":1}}}}}]',
    ]) {
      expect((await postMessages(srv.url, "threats.proto", body, bearer(good))).status).toBe(400);
    }
    expect(await stored("threats.proto")).toBe(0);
  });

  test("invalid UTF-8 in a body is refused with 400, not stored as U+FFFD", async () => {
    const bytes = new TextEncoder().encode('{"priority":"low","payload":{"note":"ab"}}');
    const bad = new Uint8Array([...bytes.subarray(0, 37), 0xff, 0xfe, ...bytes.subarray(37)]);
    const res = await fetch(`${srv.url}/v1/feeds/threats.utf8/messages`, {
      method: "POST",
      headers: { ...bearer(good), "content-type": "application/json" },
      body: bad,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_JSON");
    expect(await stored("threats.utf8")).toBe(0);
  });

  test("constructor and prototype as plain data keys are accepted", async () => {
    const body = '{"priority":"low","payload":{"constructor":"Foo","prototype":{"kind":"class"}}}';
    expect((await postMessages(srv.url, "threats.data", body, bearer(good))).status).toBe(202);
    expect(await stored("threats.data")).toBe(1);
  });

  test("a flood of connections from one IP gets 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${srv.url}/v1/stream?token=${good}`, {
        headers: {
          upgrade: "websocket",
          connection: "upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toContain(429);
  });
});

describe("signed webhooks", () => {
  const HOOK_PATH = "/v1/feeds/hooks.github/messages";
  const hook = (body: string, sig: string) =>
    fetch(`${srv.url}${HOOK_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-tacstream-signature": sig },
      body,
    });

  test("valid once; replayed, old, or altered after signing: 401", async () => {
    const body = JSON.stringify(threat(1));
    const now = Math.floor(Date.now() / 1000);
    const sig = await signWebhook(HOOK_SECRET, body, now, HOOK_PATH);
    expect((await hook(body, sig)).status).toBe(202);
    expect((await hook(body, sig)).status).toBe(401);
    const old = await signWebhook(HOOK_SECRET, body, now - 3600, HOOK_PATH);
    expect((await hook(body, old)).status).toBe(401);
    const fresh = await signWebhook(HOOK_SECRET, body, now + 1, HOOK_PATH);
    expect((await hook(body.replace("threat 1", "threat 2"), fresh)).status).toBe(401);
    expect(await stored("hooks.github")).toBe(1);
  });

  test("attack: the signature is checked on the raw bytes, not the decoded text (BOM kept)", async () => {
    const raw = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(threat(3)))]);
    const sig = await signWebhook(HOOK_SECRET, raw, Math.floor(Date.now() / 1000), HOOK_PATH);
    const res = await fetch(`${srv.url}${HOOK_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-tacstream-signature": sig },
      body: raw,
    });
    expect(res.status).toBe(202);
  });
});

describe("refusals are counted", () => {
  test("/metrics counts every rejected credential by reason", async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const count = (reason: string) => {
      const m = new RegExp(
        `^tacstream_auth_rejected_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`,
        "m",
      ).exec(text);
      return Number(m?.[1] ?? 0);
    };
    // Each refused on publish and on upgrade above; origin, grants and replays too.
    for (const reason of ["missing", "alg", "bad_signature", "expired", "nbf", "origin", "grant", "replay"]) {
      expect(count(reason)).toBeGreaterThan(0);
    }
  });
});
