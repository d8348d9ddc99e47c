import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type TacError, type TacstreamClient } from "../../src/client/mod.ts";
import { signToken } from "../../src/security/tokens.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { collect, nextEvent, status } from "./support.ts";

const SECRET = "client-sdk-test-secret-0123456789abcdef";
let srv: ServerProcess;
let publisher: string;
const clients: TacstreamClient[] = [];
const reader = (ttl = 3600) =>
  signToken({ sub: "reader", subscribe: ["sdk.*"], expiresInSec: ttl }, { secret: SECRET });

beforeAll(async () => {
  srv = await startServer({ TOKEN_SECRET: SECRET, HEARTBEAT_INTERVAL_MS: "60000" });
  publisher = await signToken({ sub: "pub", publish: ["*"] }, { secret: SECRET });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});
const post = (feed: string, body: unknown) =>
  postMessages(srv.url, feed, body, { authorization: `Bearer ${publisher}` });

for (const tokenIn of ["protocol", "query"] as const) {
  test(`a token as ${tokenIn === "protocol" ? "a sub-protocol entry" : "?token="} authenticates the stream`, async () => {
    const c = connect({ url: srv.wsUrl, token: await reader(), tokenIn, backoff: { minMs: 20, maxMs: 100 } });
    clients.push(c);
    const sub = collect(c, `sdk.${tokenIn}`);
    await nextEvent(c, "subscribed");
    expect(c.state.url).not.toContain("token=ey");
    await post(`sdk.${tokenIn}`, threat(1));
    await sub.count(1);
  });
}

test("without a token the client keeps retrying and never connects", async () => {
  const c = connect({ url: srv.wsUrl, backoff: { minMs: 20, maxMs: 40 } });
  clients.push(c);
  await nextEvent(c, "state", (s) => s.reconnectAttempts >= 3);
  expect(c.state.status).not.toBe("connected");
  c.close();
});

test("an expiring token: 4401, an UNAUTHORIZED error, then a fresh token from the provider and no loss", async () => {
  let minted = 0;
  const c = connect({
    url: srv.wsUrl,
    token: () => {
      minted++;
      return reader(minted === 1 ? 1 : 3600);
    },
    backoff: { minMs: 20, maxMs: 100 },
  });
  clients.push(c);
  const sub = collect(c, "sdk.expiry");
  await nextEvent(c, "subscribed");
  await post("sdk.expiry", threat(1));
  const expired = nextEvent(c, "error", (e: TacError) => e.code === "UNAUTHORIZED", 5000);
  const dropped = nextEvent(c, "state", (s) => s.status === "disconnected", 5000);
  await expired;
  await dropped;
  await post("sdk.expiry", threat(2));
  await status(c, "connected");
  await sub.count(2);
  expect(minted).toBe(2);
  expect(sub.got.map((m) => (m.payload as { title: string }).title)).toEqual(["threat 1", "threat 2"]);
});
