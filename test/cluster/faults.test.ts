import { expect, test } from "bun:test";
import { freePort, startNatsCluster, startNatsServer } from "../helpers/nats.ts";
import { postMessages, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

const until = async (pred: () => Promise<boolean> | boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

test("NATS unreachable at start: /ready 503 with the reason, /health 200, ready once NATS appears", async () => {
  const port = await freePort();
  const srv = await startServer({ NATS_URL: `nats://127.0.0.1:${port}` }, { waitFor: "listening" });
  try {
    const ready = await fetch(`${srv.url}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toContain("nats");
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
    const post = await postMessages(srv.url, "early", threat(1));
    expect(post.status).toBe(503);
    expect(post.headers.get("retry-after")).not.toBeNull();
    const nats = await startNatsServer({ port });
    try {
      await until(async () => (await fetch(`${srv.url}/ready`)).status === 200, 15_000, "/ready");
      expect((await postMessages(srv.url, "early", threat(1))).status).toBe(202);
    } finally {
      await srv.stop();
      await nats.stop();
    }
  } finally {
    await srv.stop();
  }
}, 40_000);

test("NATS restarts during ingest: 503 + Retry-After while down, every 202 delivered after", async () => {
  const nats = await startNatsServer();
  const srv = await startServer({ NATS_URL: nats.url });
  const sub = await openSocket(`${srv.wsUrl}/v1/stream?feeds=bounce`);
  await sub.nextJson();
  const acked: number[] = [];
  const refused: number[] = [];
  let running = true;
  const producer = (async () => {
    for (let i = 0; running; i++) {
      const res = await postMessages(srv.url, "bounce", threat(i));
      if (res.status === 202) acked.push(...((await res.json()) as { seqs: number[] }).seqs);
      else {
        expect(res.status).toBe(503);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        refused.push(i);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    await until(() => acked.length >= 50, 10_000, "first acks");
    await nats.kill("SIGKILL");
    await until(() => refused.length >= 5, 10_000, "refusals while NATS is down");
    await nats.restart();
    const before = acked.length;
    await until(() => acked.length >= before + 50, 20_000, "acks after the restart");
    running = false;
    await producer;
    const got = new Set<number>();
    await until(
      async () => {
        while (got.size < acked.length) got.add((await sub.nextJson<{ seq: number }>(1000)).seq);
        return true;
      },
      20_000,
      "every acknowledged message",
    );
    expect(acked.filter((s) => !got.has(s))).toEqual([]);
  } finally {
    running = false;
    sub.close();
    await srv.stop();
    await nats.stop();
  }
}, 60_000);

test("R3: one of three NATS servers killed under load loses no acknowledged message", async () => {
  const cluster = await startNatsCluster(3);
  const url = cluster.servers.map((s) => s.url).join(",");
  const srv = await startServer({ NATS_URL: url, NATS_REPLICAS: "3" });
  const acked = new Map<number, string>();
  let running = true;
  const producer = (async () => {
    while (running) {
      const body = Array.from({ length: 10 }, (_, k) => ({ ...threat(k), id: crypto.randomUUID() }));
      const res = await postMessages(srv.url, "r3", body);
      if (res.status === 202) {
        const ack = (await res.json()) as { ids: string[]; seqs: number[] };
        for (const [k, seq] of ack.seqs.entries()) acked.set(seq, ack.ids[k]!);
      }
    }
  })();
  try {
    await until(() => acked.size >= 500, 20_000, "acks before the kill");
    await cluster.servers[0]!.kill("SIGKILL");
    const before = acked.size;
    await until(() => acked.size >= before + 500, 30_000, "acks after the kill");
    running = false;
    await producer;
    const stored = new Map<number, string>();
    const readDeadline = Date.now() + 50_000;
    for (let since = 0; ; ) {
      const res = await fetch(`${srv.url}/v1/feeds/r3/messages?since=${since}&limit=5000`);
      const text = await res.text();
      // Right after a server dies, reads may time out while the cluster moves leaders: 503, retry.
      if (res.status === 503 && Date.now() < readDeadline) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (res.status !== 200) throw new Error(`replay answered ${res.status}: ${text}`);
      const page = JSON.parse(text) as { messages: Array<{ seq: number; id: string }>; next: number };
      for (const m of page.messages) stored.set(m.seq, m.id);
      if (page.messages.length === 0) break;
      since = page.next;
    }
    expect([...acked].filter(([seq, id]) => stored.get(seq) !== id)).toEqual([]);
  } finally {
    running = false;
    await srv.stop();
    await cluster.stop();
  }
}, 120_000);
