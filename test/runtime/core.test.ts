/**
 * The core contract — ingest, subscribe, resume, replay, refusals — against every runtime entry
 * (Bun, Node, Deno), each started as its npm script starts it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeFrame, frameToMessage } from "../../src/protocol/mod.ts";
import { postMessages, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";
import { rawUpgrade, readUntilClose } from "./raw.ts";
import { RUNTIMES, type RuntimeProcess, startRuntime } from "./runtimes.ts";

type Json = Record<string, unknown>;

for (const rt of RUNTIMES) {
  describe(`${rt.name} runtime`, () => {
    let srv: RuntimeProcess;
    beforeAll(async () => {
      rt.prepare?.();
      srv = await startRuntime(rt, {
        HEARTBEAT_INTERVAL_MS: "60000",
        MAX_PAYLOAD: "65536",
        BACKPRESSURE_LIMIT: "65536",
      });
    });
    afterAll(() => srv.stop());

    test("a POSTed message reaches JSON and binary subscribers with the same seq", async () => {
      const json = await openSocket(`${srv.wsUrl}/v1/stream?feeds=alpha`, "tacstream.v1.json");
      const bin = await openSocket(`${srv.wsUrl}/v1/stream?feeds=alpha`, [
        "tacstream.v1.binary",
        "tacstream.v1.json",
      ]);
      expect(json.ws.protocol).toBe("tacstream.v1.json");
      expect(bin.ws.protocol).toBe("tacstream.v1.binary");
      expect(await json.nextJson()).toMatchObject({ type: "metadata", op: "subscribe" });
      await bin.nextJson();

      const res = await postMessages(srv.url, "alpha", threat(1));
      expect(res.status).toBe(202);
      const ack = (await res.json()) as { ids: string[]; seqs: number[] };
      const m = await json.nextJson<Json>();
      expect(m).toMatchObject({ id: ack.ids[0], seq: ack.seqs[0], feedId: "alpha", priority: "high" });
      const frame = (await bin.next()) as Uint8Array;
      expect(decodeFrame(frame).seq).toBe(ack.seqs[0]!);
      expect(frameToMessage(frame)).toEqual(m as never);
      json.close();
      bin.close();
    });

    test("a batch arrives whole and in order; minPriority filters; ops answer", async () => {
      const all = await openSocket(`${srv.wsUrl}/v1/stream?feeds=batch`);
      const high = await openSocket(`${srv.wsUrl}/v1/stream`);
      high.send({ op: "subscribe", id: "h", feeds: ["batch"], minPriority: "high" });
      await all.nextJson();
      expect(await high.nextJson()).toMatchObject({ op: "subscribe", id: "h" });
      const batch = Array.from({ length: 100 }, (_, i) => ({
        priority: i % 10 === 0 ? "critical" : "low",
        payload: i,
      }));
      const ack = (await (await postMessages(srv.url, "batch", batch)).json()) as { seqs: number[] };
      for (let i = 0; i < 100; i++) expect((await all.nextJson<Json>()).seq).toBe(ack.seqs[i]);
      for (let i = 0; i < 100; i += 10) expect((await high.nextJson<Json>()).payload).toBe(i);
      high.send({ op: "ping", id: 7 });
      expect(await high.nextJson()).toMatchObject({ op: "pong", id: 7 });
      all.close();
      high.close();
    });

    test("resume: since replays exactly what came after, then live, across a concurrent publish", async () => {
      const first = await postMessages(
        srv.url,
        "resume",
        Array.from({ length: 20 }, (_, i) => ({ priority: "low", payload: i })),
      );
      const { seqs } = (await first.json()) as { seqs: number[] };
      const s = await openSocket(`${srv.wsUrl}/v1/stream`);
      s.send({ op: "subscribe", feeds: ["resume"], since: { resume: seqs[9] } });
      const concurrent = postMessages(
        srv.url,
        "resume",
        Array.from({ length: 20 }, (_, i) => ({ priority: "low", payload: 100 + i })),
      );
      const reply = await s.nextJson<{ feeds: Record<string, Json> }>();
      expect(reply.feeds.resume).toMatchObject({ recovered: true });
      expect((await concurrent).status).toBe(202);
      const got: number[] = [];
      while (got.length < 30) got.push((await s.nextJson<Json>()).payload as number);
      expect(got).toEqual([
        ...Array.from({ length: 10 }, (_, i) => 10 + i),
        ...Array.from({ length: 20 }, (_, i) => 100 + i),
      ]);
      s.close();
    });

    test("HTTP replay, /health, /ready, 404", async () => {
      const res = await fetch(`${srv.url}/v1/feeds/resume/messages?since=0&limit=5`);
      const body = (await res.json()) as { messages: Json[]; recovered: boolean };
      expect(body.recovered).toBe(true);
      expect(body.messages.map((m) => m.payload)).toEqual([0, 1, 2, 3, 4]);
      expect((await fetch(`${srv.url}/health`)).status).toBe(200);
      expect(await (await fetch(`${srv.url}/ready`)).json()).toMatchObject({ ready: true });
      expect((await fetch(`${srv.url}/nope`)).status).toBe(404);
    });

    test("a refused upgrade gets its HTTP status; an oversized frame closes that socket with 1009", async () => {
      const bad = await rawUpgrade(srv.port, "/v1/stream?feeds=NOT..VALID");
      expect(bad.status).toBe(422);
      bad.socket.destroy();
      const ok = await rawUpgrade(srv.port, "/v1/stream", "tacstream.v1.binary");
      expect(ok.status).toBe(101);
      expect(ok.head.toLowerCase()).toContain("sec-websocket-protocol: tacstream.v1.binary");
      ok.socket.destroy();

      const s = await openSocket(`${srv.wsUrl}/v1/stream`);
      const other = await openSocket(`${srv.wsUrl}/v1/stream`);
      s.ws.send("x".repeat(70_000));
      expect((await s.closed).code).toBe(1009);
      other.send({ op: "ping" });
      expect(await other.nextJson()).toMatchObject({ op: "pong" });
      other.close();
    });

    test("a client that stops reading is cut off (4008 or dropped); the others receive everything", async () => {
      const healthy = await openSocket(`${srv.wsUrl}/v1/stream?feeds=flood`);
      await healthy.nextJson();
      const stalled = await rawUpgrade(srv.port, "/v1/stream?feeds=flood");
      expect(stalled.status).toBe(101);
      // ≈ 6.6 MB: more than loopback's kernel buffers hold for a reader that never reads.
      const body = Array.from({ length: 50 }, (_, i) => ({
        priority: "low",
        payload: `${i}`.padEnd(1000, "x"),
      }));
      for (let i = 0; i < 120; i++) expect((await postMessages(srv.url, "flood", body)).status).toBe(202);
      for (let i = 0; i < 6000; i++) await healthy.next();
      // Bun and Node cut the connection at the hard limit; Deno, which cannot, sends 4008 and stops
      // sending (it releases the socket when the peer answers the close, or at its idle timeout).
      const cut = await readUntilClose(stalled, 10_000);
      expect(cut?.ended === true || cut?.closeCode === 4008).toBe(true);
      stalled.socket.destroy();
      healthy.close();
    });
  });
}
