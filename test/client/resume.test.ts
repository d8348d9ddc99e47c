import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type TacstreamClient } from "../../src/client/mod.ts";
import { RECORD_HEADER_SIZE } from "../../src/journal/embedded/record.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";
import { freePort } from "../helpers/nats.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { collect, nextEvent, publishUntilAcked, status } from "./support.ts";

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

/** Every acknowledged id appears exactly once, in acknowledgement order; nothing is delivered twice. */
function expectExactlyOnceInOrder(got: StreamMessage[], acked: Array<{ id: string; seq: number }>) {
  const ids = got.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length);
  const seqs = got.map((m) => m.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  const ackedIds = new Set(acked.map((a) => a.id));
  expect(got.filter((m) => ackedIds.has(m.id)).map((m) => m.id)).toEqual(acked.map((a) => a.id));
}

describe("resume across a server crash", () => {
  test("SIGKILL and restart mid-stream: every acked message exactly once, in order (JSON and binary)", async () => {
    const port = await freePort();
    const env = { PORT: String(port), HEARTBEAT_INTERVAL_MS: "60000" };
    let srv: ServerProcess = await startServer(env);
    const dataDir = srv.dataDir;
    cleanup.push(() => srv.stop());
    const backoff = { minMs: 20, maxMs: 250 };
    const clients: TacstreamClient[] = [
      connect({ url: `ws://127.0.0.1:${port}`, backoff }),
      connect({ url: `ws://127.0.0.1:${port}`, backoff, format: "binary" }),
    ];
    for (const c of clients) cleanup.push(() => c.close());
    const subs = clients.map((c) => collect(c, "crash"));
    await Promise.all(clients.map((c) => nextEvent(c, "subscribed", (e) => e.feedId === "crash")));

    const deadline = Date.now() + 30_000;
    const acked: Array<{ id: string; seq: number }> = [];
    const gaps: unknown[] = [];
    for (const c of clients) c.on("gap", (g) => gaps.push(g));
    let ackedAtKill = -1;
    const publisher = (async () => {
      for (let i = 0; i < 240; i++) {
        acked.push(await publishUntilAcked(() => `http://127.0.0.1:${port}`, "crash", threat(i), deadline));
      }
    })();
    // Kill once the stream is flowing, while the publisher keeps posting.
    await subs[0]!.count(80);
    const down = nextEvent(clients[0]!, "state", (s) => s.status === "disconnected");
    await srv.kill("SIGKILL");
    ackedAtKill = acked.length;
    await down;
    srv = await startServer(env, { dataDir });
    await publisher;
    await Promise.all(subs.map((s) => s.count(acked.length, 15_000)));
    // The crash really was mid-stream: acknowledged messages before it and after it.
    expect(ackedAtKill).toBeGreaterThanOrEqual(80);
    expect(ackedAtKill).toBeLessThan(240);
    expect(gaps).toEqual([]);
    for (const s of subs) expectExactlyOnceInOrder(s.got, acked);
    expect(subs[0]!.got.map((m) => m.id)).toEqual(subs[1]!.got.map((m) => m.id));
    expect(clients[0]!.state.reconnectAttempts).toBe(0);
  });

  test("a graceful restart (1012) resumes the same way", async () => {
    const port = await freePort();
    const env = { PORT: String(port), HEARTBEAT_INTERVAL_MS: "60000" };
    let srv = await startServer(env);
    cleanup.push(() => srv.stop());
    const c = connect({ url: () => `ws://127.0.0.1:${port}`, backoff: { minMs: 20, maxMs: 250 } });
    cleanup.push(() => c.close());
    const sub = collect(c, "graceful");
    await nextEvent(c, "subscribed");
    const first = await postMessages(srv.url, "graceful", [threat(1), threat(2)]);
    expect(first.status).toBe(202);
    await sub.count(2);
    const closed = nextEvent(c, "state", (s) => s.status === "disconnected");
    await srv.stop({ keepData: true });
    await closed;
    srv = await startServer(env, { dataDir: srv.dataDir });
    await postMessages(srv.url, "graceful", [threat(3)]);
    await sub.count(3);
    expect(sub.got.map((m) => (m.payload as { title: string }).title)).toEqual([
      "threat 1",
      "threat 2",
      "threat 3",
    ]);
  });
});

describe("gaps are reported, never silent", () => {
  test("a new journal (new epoch) on the same address: a typed gap event, then live messages", async () => {
    const port = await freePort();
    const env = { PORT: String(port), HEARTBEAT_INTERVAL_MS: "60000" };
    let srv = await startServer(env);
    cleanup.push(() => srv.stop());
    const c = connect({ url: `ws://127.0.0.1:${port}`, backoff: { minMs: 20, maxMs: 250 } });
    cleanup.push(() => c.close());
    const sub = collect(c, "epochs");
    const firstReply = await nextEvent(c, "subscribed");
    await postMessages(
      srv.url,
      "epochs",
      Array.from({ length: 5 }, (_, i) => threat(i)),
    );
    await sub.count(5);
    const gapSeen = nextEvent(c, "gap", () => true, 15_000);
    await srv.kill("SIGKILL");
    await srv.stop();
    srv = await startServer(env); // fresh DATA_DIR: a new history
    const gap = await gapSeen;
    expect(gap).toMatchObject({ feedId: "epochs", since: sub.got[4]!.seq, reason: "epoch", earliest: 1 });
    expect(gap.previousEpoch).toBe(firstReply.epoch);
    expect(gap.epoch).not.toBe(firstReply.epoch);
    await postMessages(srv.url, "epochs", threat(99));
    await sub.count(6);
    expect(sub.got[5]!.seq).toBeLessThan(sub.got[4]!.seq);
    expect((sub.got[5]!.payload as { title: string }).title).toBe("threat 99");
  });

  test("recovery that drops acknowledged records (a flipped bit mid-segment): a typed gap on resume", async () => {
    const port = await freePort();
    const env = { PORT: String(port), HEARTBEAT_INTERVAL_MS: "60000" };
    let srv = await startServer(env);
    const dataDir = srv.dataDir;
    cleanup.push(() => srv.stop());
    const c = connect({ url: `ws://127.0.0.1:${port}`, backoff: { minMs: 20, maxMs: 250 } });
    cleanup.push(() => c.close());
    const sub = collect(c, "rot");
    const firstReply = await nextEvent(c, "subscribed");
    for (let i = 0; i < 3; i++) expect((await postMessages(srv.url, "rot", threat(i))).status).toBe(202);
    await sub.count(3);
    const gapSeen = nextEvent(c, "gap", () => true, 15_000);
    await srv.stop({ keepData: true });
    const seg = join(
      dataDir,
      "journal",
      readdirSync(join(dataDir, "journal")).find((n) => n.endsWith(".seg"))!,
    );
    const bytes = readFileSync(seg);
    const second = RECORD_HEADER_SIZE + bytes.readUInt32BE(0);
    bytes[second + RECORD_HEADER_SIZE + 40]! ^= 0x04;
    writeFileSync(seg, bytes);
    srv = await startServer(env, { dataDir });
    const gap = await gapSeen;
    expect(gap).toMatchObject({ feedId: "rot", reason: "epoch" });
    expect(gap.epoch).not.toBe(firstReply.epoch);
  });

  test("onGap: partial replays what the new history holds", async () => {
    const port = await freePort();
    const env = { PORT: String(port), HEARTBEAT_INTERVAL_MS: "60000" };
    let srv = await startServer(env);
    cleanup.push(() => srv.stop());
    // While `away`, the client dials a closed port: it cannot come back before the new history is written.
    let away = false;
    const url = () => (away ? "ws://127.0.0.1:1" : `ws://127.0.0.1:${port}`);
    const c = connect({ url, backoff: { minMs: 20, maxMs: 100 }, onGap: "partial" });
    cleanup.push(() => c.close());
    const sub = collect(c, "partial");
    await nextEvent(c, "subscribed");
    await postMessages(
      srv.url,
      "partial",
      Array.from({ length: 10 }, (_, i) => threat(i)),
    );
    await sub.count(10);
    const gapSeen = nextEvent(c, "gap", () => true, 15_000);
    away = true;
    await srv.stop();
    srv = await startServer(env);
    // Written before the client is back: only a partial catch-up can deliver them.
    await postMessages(srv.url, "partial", [threat(100), threat(101)]);
    away = false;
    await gapSeen;
    await sub.count(12);
    expect(sub.got.slice(10).map((m) => (m.payload as { title: string }).title)).toEqual([
      "threat 100",
      "threat 101",
    ]);
    await status(c, "connected");
  });
});
