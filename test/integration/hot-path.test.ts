/**
 * The hot path's contract beyond what test/runtime/core.test.ts checks on every runtime: resume from the
 * recent cache and from the journal, positions and epochs, and bad input failing alone.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

let srv: ServerProcess;
beforeAll(async () => {
  srv = await startServer({ HEARTBEAT_INTERVAL_MS: "60000" });
});
afterAll(() => srv.stop());

type Json = Record<string, unknown>;

/**
 * Resume, twice: served from the hub's recent-message cache (the default), and from the journal alone
 * (RECENT_CACHE_BYTES=0), which is the path of a client coming back from further than the cache holds.
 */
for (const [name, env] of [
  ["from the recent cache", {}],
  ["from the journal", { RECENT_CACHE_BYTES: "0" }],
] as const) {
  describe(`resume ${name}`, () => {
    let srv: ServerProcess;
    beforeAll(async () => {
      srv = await startServer({ HEARTBEAT_INTERVAL_MS: "60000", ...env });
    });
    afterAll(() => srv.stop());

    test("since replays exactly what came after, then live, no gap, no duplicate", async () => {
      const first = await postMessages(
        srv.url,
        "resume",
        Array.from({ length: 20 }, (_, i) => ({ priority: "low", payload: i })),
      );
      const { seqs } = (await first.json()) as { seqs: number[] };
      const since = seqs[9]!;
      const s = await openSocket(`${srv.wsUrl}/v1/stream`);
      s.send({ op: "subscribe", feeds: ["resume"], since: { resume: since } });
      // Publish concurrently with the replay: the seam must hold.
      const concurrent = postMessages(
        srv.url,
        "resume",
        Array.from({ length: 20 }, (_, i) => ({ priority: "low", payload: 100 + i })),
      );
      const reply = await s.nextJson<{ feeds: Record<string, Json> }>();
      expect(reply.feeds.resume).toMatchObject({ recovered: true });
      expect(typeof reply.feeds.resume!.epoch).toBe("string");
      await concurrent;
      const got: number[] = [];
      while (got.length < 30) got.push((await s.nextJson<Json>()).payload as number);
      expect(got).toEqual([
        ...Array.from({ length: 10 }, (_, i) => 10 + i),
        ...Array.from({ length: 20 }, (_, i) => 100 + i),
      ]);
      s.close();
    });

    test("since beyond the head: typed error and recovered false", async () => {
      const s = await openSocket(`${srv.wsUrl}/v1/stream`);
      s.send({ op: "subscribe", feeds: ["resume"], since: 10_000_000 });
      const err = await s.nextJson();
      expect(err).toMatchObject({ type: "error", code: "SINCE_BEYOND_HEAD", feedId: "resume" });
      const reply = await s.nextJson<{ feeds: Record<string, Json> }>();
      expect(reply.feeds.resume).toMatchObject({ recovered: false });
      s.close();
    });

    test("an epoch from another journal voids the position", async () => {
      const s = await openSocket(`${srv.wsUrl}/v1/stream`);
      s.send({ op: "subscribe", feeds: ["resume"], since: 1, epoch: "not-this-one" });
      const reply = await s.nextJson<{ feeds: Record<string, Json> }>();
      expect(reply.feeds.resume).toMatchObject({ recovered: false, earliest: 1 });
      s.close();
    });

    test("HTTP replay serves the same messages", async () => {
      const res = await fetch(`${srv.url}/v1/feeds/resume/messages?since=0&limit=5`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { messages: Json[]; recovered: boolean; next: number };
      expect(body.recovered).toBe(true);
      expect(body.messages.map((m) => m.payload)).toEqual([0, 1, 2, 3, 4]);
      expect(body.next).toBe(body.messages[4]!.seq as number);
      const bad = await fetch(`${srv.url}/v1/feeds/resume/messages?limit=abc`);
      expect(bad.status).toBe(422);
    });
  });
}

describe("bad input fails alone", () => {
  test("HTTP: 400, 415, 413, 422 with the field path; nothing half-accepted", async () => {
    const s = await openSocket(`${srv.wsUrl}/v1/stream?feeds=bad`);
    await s.nextJson();
    expect((await postMessages(srv.url, "bad", "{not json")).status).toBe(400);
    const r415 = await fetch(`${srv.url}/v1/feeds/bad/messages`, { method: "POST", body: "x" });
    expect(r415.status).toBe(415);
    const big = await postMessages(srv.url, "bad", { priority: "low", payload: "x".repeat(1_100_000) });
    expect(big.status).toBe(413);
    const r422 = await postMessages(srv.url, "bad", [threat(1), threat(2, { confidence: 7 })]);
    expect(r422.status).toBe(422);
    const body = (await r422.json()) as { error: { code: string; path: string } };
    expect(body.error).toMatchObject({ code: "VALIDATION", path: "[1].payload.confidence" });
    expect((await postMessages(srv.url, "Bad..Feed", threat(1))).status).toBe(422);
    const empty = await fetch(`${srv.url}/v1/feeds/bad/messages?since=0`);
    expect(((await empty.json()) as { messages: unknown[] }).messages).toHaveLength(0);
    s.close();
  });

  test("WS: bad JSON, unknown op, bad field, binary garbage each get a typed error; the socket lives", async () => {
    const s = await openSocket(`${srv.wsUrl}/v1/stream`);
    s.send("{oops");
    expect(await s.nextJson()).toMatchObject({ type: "error", code: "BAD_JSON" });
    s.send({ op: "explode", id: 1 });
    expect(await s.nextJson()).toMatchObject({ type: "error", code: "UNKNOWN_OP", id: 1 });
    s.send({ op: "subscribe", feeds: ["UPPER"] });
    expect(await s.nextJson()).toMatchObject({ type: "error", code: "BAD_OP", path: "feeds[0]" });
    s.ws.send(new Uint8Array([1, 2, 3, 255]));
    expect(await s.nextJson()).toMatchObject({ type: "error", code: "BAD_OP" });
    s.send({ op: "ping" });
    expect(await s.nextJson()).toMatchObject({ op: "pong" });
    s.close();
  });

  test("an op flood is rate-limited, then disconnected with 4029", async () => {
    const s = await openSocket(`${srv.wsUrl}/v1/stream`);
    for (let i = 0; i < 1000; i++) s.send({ op: "ping" });
    const limited = await s.untilJson((m) => m.type === "error");
    expect(limited).toMatchObject({ code: "RATE_LIMITED" });
    expect((await s.closed).code).toBe(4029);
  });
});
