/**
 * Pattern subscriptions against narrow grants: a token granted `intel.*` that subscribes to `*` (or to
 * another prefix) receives intel feeds only — those that exist and those created later — and a pattern
 * outside the grant grammar is refused with BAD_PATTERN.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { signToken } from "../../src/security/mod.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { openSocket, type TestSocket } from "../helpers/ws.ts";

const SECRET = "s".repeat(40);
let srv: ServerProcess;
let publisher: string;
let viewer: string;

beforeAll(async () => {
  srv = await startServer({ TOKEN_SECRET: SECRET });
  publisher = await signToken({ sub: "source", publish: ["*"] }, { secret: SECRET });
  viewer = await signToken({ sub: "analyst", subscribe: ["intel.*"] }, { secret: SECRET });
});
afterAll(() => srv.stop());

type Json = Record<string, unknown>;
const open = (token: string): Promise<TestSocket> =>
  openSocket(`ws://127.0.0.1:${srv.port}/v1/stream`, ["tacstream.v1.json", `tacstream.token.${token}`]);

async function post(feedId: string, n = 1): Promise<number[]> {
  const res = await postMessages(
    srv.url,
    feedId,
    Array.from({ length: n }, (_, i) => threat(i)),
    { authorization: `Bearer ${publisher}` },
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as { seqs: number[] }).seqs;
}

test("a pattern never delivers a feed outside the token's grants, not even a feed created later", async () => {
  await post("intel.kev", 2);
  await post("edr.alerts", 2);
  const ws = await open(viewer);
  try {
    ws.send({ op: "subscribe", id: 1, feeds: ["*"], since: 0 });
    const reply = await ws.untilJson<Json>((m) => m.op === "subscribe" && m.id === 1);
    expect(Object.keys(reply.feeds as Json)).toEqual(["intel.kev"]);
    expect(reply.patterns).toEqual({ "*": ["intel.kev"] });
    // A pattern the token has no feed under: accepted, matches nothing now or later.
    ws.send({ op: "subscribe", id: 2, feeds: ["edr.*"] });
    const none = await ws.untilJson<Json>((m) => m.op === "subscribe" && m.id === 2);
    expect(none.feeds).toEqual({});
    expect(none.patterns).toEqual({ "edr.*": [] });

    await post("edr.new", 2);
    await post("phishing.reports", 1);
    await post("intel.new", 1);
    const [marker] = await post("intel.kev", 1);
    await ws.untilJson<Json>((m) => m.feedId === "intel.kev" && m.seq === marker);
    const frames = ws.received
      .filter((m): m is string => typeof m === "string")
      .map((m) => JSON.parse(m) as Json);
    const delivered = frames.filter((m) => typeof m.seq === "number");
    expect(new Set(delivered.map((m) => m.feedId))).toEqual(new Set(["intel.kev", "intel.new"]));
    // History (2) + the marker, and the new feed's first message; nothing twice.
    expect(delivered.filter((m) => m.feedId === "intel.kev")).toHaveLength(3);
    expect(delivered.filter((m) => m.feedId === "intel.new")).toHaveLength(1);
    const joined = frames.filter((m) => m.op === "subscribe" && m.id === undefined);
    expect(joined.map((m) => [Object.keys(m.feeds as Json), m.pattern])).toEqual([[["intel.new"], "*"]]);
    // Nothing about other feeds leaks into control messages either.
    for (const other of ["edr.alerts", "edr.new", "phishing"])
      expect(JSON.stringify(frames)).not.toContain(other);
  } finally {
    ws.close();
  }
});

test("a pattern outside the grammar gets BAD_PATTERN and subscribes nothing", async () => {
  const ws = await open(viewer);
  try {
    for (const [i, bad] of ["thr*", "*.kev", "intel.*.x", "**", "intel*"].entries()) {
      ws.send({ op: "subscribe", id: 10 + i, feeds: [bad] });
      const err = await ws.untilJson<Json>((m) => m.type === "error" && m.id === 10 + i);
      expect(err.code).toBe("BAD_PATTERN");
      expect(err.path).toBe("feeds[0]");
      const reply = await ws.untilJson<Json>((m) => m.op === "subscribe" && m.id === 10 + i);
      expect(reply.feeds).toEqual({});
    }
    // Still no subscription: a new intel feed reaches nobody on this socket.
    const [seq] = await post("intel.later", 1);
    ws.send({ op: "ping", id: 99 });
    await ws.untilJson<Json>((m) => m.op === "pong");
    expect(ws.received.some((m) => typeof m === "string" && m.includes(`"seq":${seq}`))).toBe(false);
  } finally {
    ws.close();
  }
});

test("a refresh that narrows the grants ends what a pattern brought in, and later feeds follow the new grants", async () => {
  const wide = await signToken({ sub: "analyst", subscribe: ["intel.*", "edr.*"] }, { secret: SECRET });
  await post("edr.before", 1);
  const ws = await open(wide);
  try {
    ws.send({ op: "subscribe", id: 1, feeds: ["*"] });
    const reply = await ws.untilJson<Json>((m) => m.op === "subscribe" && m.id === 1);
    expect(Object.keys(reply.feeds as Json)).toContain("edr.before");
    ws.send({ op: "refresh", id: 2, token: viewer });
    const refreshed = await ws.untilJson<Json>((m) => m.op === "refresh" && m.id === 2);
    expect(refreshed.revoked).toEqual(expect.arrayContaining(["edr.before", "edr.alerts"]));
    const mark = ws.received.length;
    await post("edr.before", 1);
    await post("edr.after", 1);
    const [seq] = await post("intel.after", 1);
    await ws.untilJson<Json>((m) => m.feedId === "intel.after" && m.seq === seq);
    const later = ws.received.slice(mark).filter((m): m is string => typeof m === "string");
    for (const other of ["edr.before", "edr.after"])
      expect(later.filter((m) => m.includes(other))).toEqual([]);
  } finally {
    ws.close();
  }
});
