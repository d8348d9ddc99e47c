import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, isThreatMessage, type TacstreamClient, type ThreatMessage } from "../../src/client/mod.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { collect, nextEvent, status } from "./support.ts";

const fast = { minMs: 20, maxMs: 200 };
let srv: ServerProcess;
const clients: TacstreamClient[] = [];
const open = (opts: Partial<Parameters<typeof connect>[0]> = {}) => {
  const c = connect({ url: srv.wsUrl, backoff: fast, ...opts });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  srv = await startServer({ HEARTBEAT_INTERVAL_MS: "60000" });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

describe("subscribe and receive", () => {
  test("JSON: a typed ThreatMessage, with the seq of the 202", async () => {
    const c = open();
    await status(c, "connected");
    const sub = collect(c, "sdk.json");
    await nextEvent(c, "subscribed", (e) => e.feedId === "sdk.json");
    const ack = (await (await postMessages(srv.url, "sdk.json", threat(1))).json()) as { seqs: number[] };
    await sub.count(1);
    const m = sub.got[0] as ThreatMessage;
    expect(isThreatMessage(m)).toBe(true);
    expect(m).toMatchObject({ seq: ack.seqs[0], feedId: "sdk.json", priority: "high" });
    expect(m.payload.title).toBe("threat 1");
    expect(c.position("sdk.json")?.seq).toBe(ack.seqs[0]!);
  });

  test("binary: frames decoded and CRC-checked by the shared codec; same objects as JSON", async () => {
    const bin = open({ format: "binary" });
    const json = open();
    const a = collect(bin, "sdk.bin");
    const b = collect(json, "sdk.bin");
    await Promise.all([
      nextEvent(bin, "subscribed", (e) => e.feedId === "sdk.bin"),
      nextEvent(json, "subscribed", (e) => e.feedId === "sdk.bin"),
    ]);
    await postMessages(srv.url, "sdk.bin", [threat(1), threat(2), { priority: "low", payload: { n: "é" } }]);
    await Promise.all([a.count(3), b.count(3)]);
    expect(a.got).toEqual(b.got);
    expect(a.got[2]?.payload).toEqual({ n: "é" });
  });

  test("minPriority per handler; messages() iterates and ends on close", async () => {
    const c = open();
    const urgent = collect(c, "sdk.prio", { minPriority: "high" });
    const iter = c.messages<StreamMessage<number>>("sdk.prio");
    await nextEvent(c, "subscribed", (e) => e.feedId === "sdk.prio");
    await postMessages(srv.url, "sdk.prio", [
      { priority: "low", payload: 1 },
      { priority: "critical", payload: 2 },
      { priority: "medium", payload: 3 },
      { priority: "high", payload: 4 },
    ]);
    const all: number[] = [];
    for await (const m of iter) {
      all.push(m.payload);
      if (all.length === 4) break;
    }
    expect(all).toEqual([1, 2, 3, 4]);
    await urgent.count(2);
    expect(urgent.got.map((m) => m.payload)).toEqual([2, 4]);
    const again = c.messages("sdk.prio");
    const pending = again.next();
    c.close();
    expect((await pending).done).toBe(true);
    expect(c.state.status).toBe("disconnected");
  });

  test("an unsubscribed handler gets nothing more; bad feed ids are refused locally", async () => {
    const c = open();
    const keep = collect(c, "sdk.unsub");
    const drop = collect(c, "sdk.unsub");
    await nextEvent(c, "subscribed", (e) => e.feedId === "sdk.unsub");
    drop.off();
    await postMessages(srv.url, "sdk.unsub", threat(1));
    await keep.count(1);
    expect(drop.got).toHaveLength(0);
    expect(() => c.subscribe("Bad..Feed", () => {})).toThrow(/invalid feed id/);
  });
});

describe("liveness", () => {
  test("the heartbeat watchdog drops a silent connection and resumes without loss", async () => {
    // The server heartbeats every 60 s: a 300 ms watchdog must fire, reconnect and resume.
    const c = open({ heartbeatTimeoutMs: 300 });
    const sub = collect(c, "sdk.watchdog");
    await nextEvent(c, "subscribed", (e) => e.feedId === "sdk.watchdog");
    const dropped = nextEvent(c, "state", (s) => s.status === "disconnected", 3000);
    await postMessages(srv.url, "sdk.watchdog", threat(1));
    await dropped;
    await postMessages(srv.url, "sdk.watchdog", threat(2));
    await status(c, "connected");
    await postMessages(srv.url, "sdk.watchdog", threat(3));
    await sub.count(3);
    expect(sub.got.map((m) => (m as ThreatMessage).payload.title)).toEqual([
      "threat 1",
      "threat 2",
      "threat 3",
    ]);
  });

  test("server heartbeats are recorded and keep the watchdog quiet", async () => {
    const hb = await startServer({ HEARTBEAT_INTERVAL_MS: "100" });
    try {
      const c = connect({ url: hb.wsUrl, heartbeatTimeoutMs: 400, backoff: fast });
      clients.push(c);
      await status(c, "connected");
      let drops = 0;
      c.on("state", (s) => {
        if (s.status !== "connected") drops++;
      });
      await nextEvent(c, "state", (s) => s.lastHeartbeat !== null);
      for (let i = 0; i < 8; i++) await nextEvent(c, "state", () => true, 1000);
      expect(drops).toBe(0);
      c.close();
    } finally {
      await hb.stop();
    }
  });
});
