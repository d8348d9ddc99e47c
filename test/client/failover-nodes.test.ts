import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { connect, type GapEvent, type TacstreamClient } from "../../src/client/mod.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";
import { freePort, type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { collect, nextEvent, publishUntilAcked, status } from "./support.ts";

/**
 * Two tacstream nodes ("regions") on one JetStream: a client given both URLs survives the SIGKILL of the
 * node it is on, with every acknowledged message once, in order, and no gap event.
 */
let nats: NatsServer;
const nodes: Array<{ port: number; env: Record<string, string>; srv: ServerProcess | undefined }> = [];
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  nats = await startNatsServer();
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    nodes.push({
      port,
      env: { PORT: String(port), NATS_URL: nats.url, HEARTBEAT_INTERVAL_MS: "60000" },
      srv: undefined,
    });
  }
  await Promise.all(nodes.map(async (n) => (n.srv = await startServer(n.env))));
});
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
  await Promise.all(nodes.map((n) => n.srv?.stop()));
  await nats.stop();
});

const wsUrl = (i: number) => `ws://127.0.0.1:${nodes[i]!.port}`;
const httpUrl = (i: number) => `http://127.0.0.1:${nodes[i]!.port}`;

async function kill(i: number): Promise<void> {
  const n = nodes[i]!;
  await n.srv!.kill("SIGKILL");
  await n.srv!.stop({ keepData: true });
}

async function restart(i: number): Promise<void> {
  const n = nodes[i]!;
  n.srv = await startServer(n.env, { dataDir: n.srv!.dataDir });
}

/** Every acknowledged id exactly once, in acknowledgement order; nothing delivered twice; seqs ascending. */
function expectExactlyOnceInOrder(got: StreamMessage[], acked: Array<{ id: string; seq: number }>) {
  const ids = got.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length);
  const seqs = got.map((m) => m.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(ids).toEqual(acked.map((a) => a.id));
}

/** Delivered messages with the URL index the client was on when each arrived, and the arrival time. */
function track(c: TacstreamClient, feedId: string) {
  const sub = collect(c, feedId);
  const via: Array<{ urlIndex: number; at: number }> = [];
  c.on("message", () => via.push({ urlIndex: c.state.urlIndex, at: performance.now() }));
  return { ...sub, via };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

describe("region failover with several URLs", () => {
  test("SIGKILL the node the client is on, twice: it moves to the other URL and back, no gap, no duplicate", async () => {
    // Default backoff: the failover figure is what an application gets without tuning.
    const c = connect({ url: [wsUrl(0), wsUrl(1)] });
    cleanup.push(() => c.close());
    const gaps: GapEvent[] = [];
    c.on("gap", (g) => gaps.push(g));
    const sub = track(c, "failover");
    await nextEvent(c, "subscribed", (e) => e.feedId === "failover", 15_000);
    expect(c.state).toMatchObject({ status: "connected", urlIndex: 0, url: `${wsUrl(0)}/v1/stream` });

    const acked: Array<{ id: string; seq: number }> = [];
    let n = 0;
    let publishing = true;
    const deadline = Date.now() + 50_000;
    // Alternates between the nodes; a POST to the dead one fails and is retried (same id) on the other.
    const publisher = (async () => {
      while (publishing) {
        acked.push(
          await publishUntilAcked(() => httpUrl(n++ % 2), "failover", threat(acked.length), deadline),
        );
      }
    })();

    const failover = async (from: number, to: number) => {
      const before = sub.got.length;
      await sub.count(before + 40, 15_000);
      const t0 = performance.now();
      const connectedElsewhere = nextEvent(
        c,
        "state",
        (s) => s.status === "connected" && s.urlIndex === to,
        15_000,
      );
      const lost = nextEvent(c, "state", (s) => s.status === "disconnected", 15_000);
      await kill(from);
      const ackedAtKill = acked.length;
      // The jittered wait before the hop, [0, minMs]: most of the failover time, by design.
      const hopMs = (await lost).reconnectDelay;
      const s = await connectedElsewhere;
      const connectedMs = performance.now() - t0;
      expect(s.url).toBe(`${wsUrl(to)}/v1/stream`);
      await waitFor(
        () => sub.via.some((v) => v.at > t0 && v.urlIndex === to),
        "a message via the other node",
      );
      const firstMessageMs = sub.via.find((v) => v.at > t0 && v.urlIndex === to)!.at - t0;
      // The kill really was mid-stream: more is acknowledged after it.
      await waitFor(() => acked.length > ackedAtKill + 20, "acknowledgements after the kill");
      return { connectedMs, firstMessageMs, hopMs };
    };

    const first = await failover(0, 1);
    await restart(0);
    const second = await failover(1, 0);
    await restart(1);
    publishing = false;
    await publisher;
    await sub.count(acked.length, 15_000);
    console.log(
      `failover (default backoff): kill → connected on the other node ${first.connectedMs.toFixed(0)} / ${second.connectedMs.toFixed(0)} ms, ` +
        `kill → first message via it ${first.firstMessageMs.toFixed(0)} / ${second.firstMessageMs.toFixed(0)} ms ` +
        `(of which the jittered hop delay ${first.hopMs} / ${second.hopMs} ms); ${acked.length} acked`,
    );
    expect(gaps).toEqual([]);
    expectExactlyOnceInOrder(sub.got, acked);
    expect(c.state).toMatchObject({ status: "connected", urlIndex: 0, reconnectAttempts: 0 });
    // Default minMs is 500: a hop waits at most that, plus the connect and the resume.
    for (const f of [first, second]) {
      expect(f.hopMs).toBeLessThanOrEqual(500);
      expect(f.firstMessageMs).toBeLessThan(f.hopMs + 3000);
    }
    c.close();
  }, 60_000);

  test("every URL down: the client keeps retrying with backoff and resumes when one comes back", async () => {
    const c = connect({ url: [wsUrl(0), wsUrl(1)], backoff: { minMs: 50, maxMs: 400 } });
    cleanup.push(() => c.close());
    const gaps: GapEvent[] = [];
    c.on("gap", (g) => gaps.push(g));
    const sub = track(c, "outage");
    await nextEvent(c, "subscribed", (e) => e.feedId === "outage", 15_000);
    const acked: Array<{ id: string; seq: number }> = [];
    const deadline = Date.now() + 40_000;
    for (let i = 0; i < 5; i++)
      acked.push(await publishUntilAcked(() => httpUrl(i % 2), "outage", threat(i), deadline));
    await sub.count(5);

    await Promise.all([kill(0), kill(1)]);
    // Counted from here: while the kills ran the client may have hopped once more onto the other node.
    const attempts: Array<{ urlIndex: number; delay: number }> = [];
    let connected = 0;
    c.on("state", (s) => {
      if (s.status === "disconnected") attempts.push({ urlIndex: s.urlIndex, delay: s.reconnectDelay });
      if (s.status === "connected") connected++;
    });
    await waitFor(() => attempts.length >= 8, "eight failed attempts");
    expect(connected).toBe(0);
    // Both URLs in turn; each delay within [0, maxMs]; the delays that end a full cycle (every other
    // one) are backoffs of at least minMs, so the outage is retried about once per cycle, not hammered.
    for (let i = 1; i < attempts.length; i++)
      expect(attempts[i]!.urlIndex).not.toBe(attempts[i - 1]!.urlIndex);
    expect(attempts.every((a) => a.delay >= 0 && a.delay <= 400)).toBe(true);
    const odd = attempts.filter((_, i) => i % 2 === 1).map((a) => a.delay);
    const even = attempts.filter((_, i) => i % 2 === 0).map((a) => a.delay);
    const backoffs = Math.min(...odd) >= 50 ? odd : even;
    expect(Math.min(...backoffs)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...(backoffs === odd ? even : odd))).toBeLessThanOrEqual(50);

    // Published while no client can be served: the resume must replay it.
    await restart(1);
    acked.push(await publishUntilAcked(() => httpUrl(1), "outage", threat(5), deadline));
    const back = await status(c, "connected", 15_000);
    expect(back.urlIndex).toBe(1);
    acked.push(await publishUntilAcked(() => httpUrl(1), "outage", threat(6), deadline));
    await sub.count(acked.length);
    expect(gaps).toEqual([]);
    expectExactlyOnceInOrder(sub.got, acked);
    await restart(0);
    const res = await postMessages(httpUrl(0), "outage", threat(7));
    expect(res.status).toBe(202);
    await sub.count(acked.length + 1);
    expect(c.state.urlIndex).toBe(1);
    c.close();
  }, 60_000);

  test("a URL that accepts TCP and never answers (packets of a lost region) is abandoned after connectTimeoutMs", async () => {
    // A real listening socket that never speaks HTTP: the WebSocket handshake neither opens nor fails.
    const held: Socket[] = [];
    const hole = createServer((sock) => held.push(sock));
    await new Promise<void>((r) => hole.listen(0, "127.0.0.1", r));
    cleanup.push(() => {
      for (const s of held) s.destroy();
      hole.close();
    });
    const holeUrl = `ws://127.0.0.1:${(hole.address() as AddressInfo).port}`;
    const t0 = performance.now();
    const c = connect({
      url: [holeUrl, wsUrl(0)],
      connectTimeoutMs: 300,
      backoff: { minMs: 20, maxMs: 200 },
    });
    cleanup.push(() => c.close());
    expect(c.state).toMatchObject({ status: "connecting", urlIndex: 0 });
    const sub = collect(c, "blackhole");
    const s = await status(c, "connected", 10_000);
    const ms = performance.now() - t0;
    expect(s.urlIndex).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(300);
    expect(held.length).toBe(1);
    await nextEvent(c, "subscribed", (e) => e.feedId === "blackhole");
    expect((await postMessages(httpUrl(0), "blackhole", threat(1))).status).toBe(202);
    await sub.count(1);
    c.close();
  });
});
