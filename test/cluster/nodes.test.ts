import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";
import { audit, Follower } from "./follower.ts";

/** Three tacstream nodes on one JetStream: every subscriber on every node gets every message. */
let nats: NatsServer;
let nodes: ServerProcess[] = [];
const ENV = { CONNECTIONS_PER_IP_PER_SECOND: "100000", MAX_CONNECTIONS_PER_SUBJECT: "100000" };

beforeAll(async () => {
  nats = await startNatsServer();
  nodes = await Promise.all([0, 1, 2].map(() => startServer({ ...ENV, NATS_URL: nats.url })));
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await nats.stop();
});

describe("three nodes, one JetStream", () => {
  test("a message POSTed to A arrives once and in order at subscribers on A, B and C", async () => {
    const socks = await Promise.all(nodes.map((n) => openSocket(`${n.wsUrl}/v1/stream?feeds=fan`)));
    for (const s of socks) await s.nextJson();
    const acked: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await postMessages(
        nodes[i % 3]!.url,
        "fan",
        Array.from({ length: 10 }, (_, k) => threat(k)),
      );
      acked.push(...((await res.json()) as { seqs: number[] }).seqs);
    }
    for (const s of socks) {
      const got: number[] = [];
      while (got.length < acked.length) got.push((await s.nextJson<{ seq: number }>()).seq);
      expect(got).toEqual(acked);
      s.close();
    }
  });

  test("SIGKILL a node with 1,000 subscribers: they resume on another node with no gap and no duplicate", async () => {
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const followers = Array.from({ length: 1000 }, () => new Follower([c.wsUrl, b.wsUrl], "failover"));
    for (let i = 0; i < followers.length; i += 100) {
      await Promise.all(followers.slice(i, i + 100).map((f) => f.connect()));
    }
    const acked: number[] = [];
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing; i++) {
        const res = await postMessages(
          a.url,
          "failover",
          Array.from({ length: 5 }, (_, k) => threat(i * 5 + k)),
        );
        if (res.status === 202) acked.push(...((await res.json()) as { seqs: number[] }).seqs);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Let traffic flow to every follower first.
    while (followers.some((f) => f.seqs.length < 10)) await new Promise((r) => setTimeout(r, 10));
    const killedAt = performance.now();
    await c.kill("SIGKILL");
    while (followers.some((f) => f.resumedAt === 0)) await new Promise((r) => setTimeout(r, 10));
    const resumedMs = Math.max(...followers.map((f) => f.resumedAt)) - killedAt;
    // Caught up: every follower has what was acknowledged at this moment.
    const target = acked.at(-1)!;
    while (followers.some((f) => (f.seqs.at(-1) ?? 0) < target)) await new Promise((r) => setTimeout(r, 10));
    const recoveredMs = performance.now() - killedAt;
    producing = false;
    await producer;
    while (followers.some((f) => (f.seqs.at(-1) ?? 0) < acked.at(-1)!))
      await new Promise((r) => setTimeout(r, 10));
    console.log(
      `failover of 1,000 subscribers: all resumed in ${resumedMs.toFixed(0)} ms, caught up in ${recoveredMs.toFixed(0)} ms`,
    );
    const first = acked.findIndex((s) => s >= followers[0]!.seqs[0]!);
    for (const f of followers) {
      const r = audit(f.seqs, acked.slice(first));
      expect(r).toEqual({ dups: 0, missing: 0, ordered: true });
    }
    expect(recoveredMs).toBeLessThan(5000);
    for (const f of followers) f.close();
    nodes = nodes.filter((n) => n !== c);
  }, 60_000);
});
