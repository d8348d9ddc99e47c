import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signToken } from "../../src/security/mod.ts";
import { type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

/** Refusals the audit log must record, and the order of checks on the publish path (issue 13). */
const SECRET = "r".repeat(40);
const auditPath = join(mkdtempSync(join(tmpdir(), "tacstream-audit-")), "audit.jsonl");
let srv: ServerProcess;
let reader: string;

beforeAll(async () => {
  srv = await startServer({
    TOKEN_SECRET: SECRET,
    AUDIT_LOG: auditPath,
    WEBHOOK_SECRETS: "hooks.x:hook-secret-0123456789",
  });
  reader = await signToken({ sub: "reader", subscribe: ["threats.eu"] }, { secret: SECRET });
});
afterAll(() => srv.stop());

/** The audit log is written in batches: wait for the line that matches (each poll is a file read). */
async function auditLine(pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    let lines: Array<Record<string, unknown>> = [];
    try {
      lines = readFileSync(auditPath, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {}
    const hit = lines.find(pred);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no such audit line in ${JSON.stringify(lines)}`);
    await Bun.sleep(50);
  }
}

test("a refused HTTP read (403) is audited with the subject, feed and route", async () => {
  const res = await fetch(`${srv.url}/v1/feeds/threats.us/messages`, {
    headers: { authorization: `Bearer ${reader}` },
  });
  expect(res.status).toBe(403);
  const e = await auditLine((l) => l.event === "auth_failure" && l.route === "/v1/feeds/threats.us/messages");
  expect(e).toMatchObject({ reason: "grant", sub: "reader", feedId: "threats.us" });
});

test("a refused WebSocket subscribe is audited", async () => {
  const s = await openSocket(`${srv.wsUrl}/v1/stream`, ["tacstream.v1.json", `tacstream.token.${reader}`]);
  s.send({ op: "subscribe", id: 1, feeds: ["threats.apac"] });
  expect(await s.nextJson()).toMatchObject({ code: "FORBIDDEN", feedId: "threats.apac" });
  s.close();
  const e = await auditLine((l) => l.event === "auth_failure" && l.feedId === "threats.apac");
  expect(e).toMatchObject({ reason: "grant", sub: "reader", route: "/v1/stream" });
});

test("a refused publish is audited under its route, not the bare feed id", async () => {
  const res = await fetch(`${srv.url}/v1/feeds/threats.eu/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${reader}`, "content-type": "application/json" },
    body: JSON.stringify(threat(1)),
  });
  expect(res.status).toBe(403);
  const e = await auditLine((l) => l.event === "auth_failure" && l.feedId === "threats.eu");
  expect(e).toMatchObject({ route: "/v1/feeds/threats.eu/messages", sub: "reader" });
});

test("without a token the publish is refused before its body is read", async () => {
  // A body that never ends: a server that reads it before checking the token never answers.
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"priority":"high",'));
    },
  });
  const res = await fetch(`${srv.url}/v1/feeds/threats.eu/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(5000),
  });
  expect(res.status).toBe(401);
});

test("a refresh with narrower grants stops the revoked feed at once; the kept one flows", async () => {
  const wide = await signToken({ sub: "reader", subscribe: ["threats.*"] }, { secret: SECRET });
  const pub = await signToken({ sub: "pub", publish: ["threats.*"] }, { secret: SECRET });
  const s = await openSocket(`${srv.wsUrl}/v1/stream`, ["tacstream.v1.json", `tacstream.token.${wide}`]);
  s.send({ op: "subscribe", id: 1, feeds: ["threats.us", "threats.eu"] });
  await s.untilJson((m) => m.op === "subscribe");
  s.send({ op: "refresh", id: 2, token: reader });
  expect(await s.untilJson((m) => m.type === "error")).toMatchObject({
    code: "FORBIDDEN",
    feedId: "threats.us",
  });
  expect(await s.untilJson((m) => m.op === "refresh")).toMatchObject({ revoked: ["threats.us"] });
  const post = (feed: string, i: number) =>
    fetch(`${srv.url}/v1/feeds/${feed}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${pub}`, "content-type": "application/json" },
      body: JSON.stringify(threat(i)),
    });
  expect((await post("threats.us", 20)).status).toBe(202);
  expect((await post("threats.eu", 21)).status).toBe(202);
  const m = await s.untilJson<{ feedId?: string; seq?: number }>((x) => x.seq !== undefined);
  expect(m.feedId).toBe("threats.eu");
  s.close();
});
