/**
 * A rolling restart across runtimes on one JetStream journal: clients on node A (Node) are told 1012
 * when A drains and resume on node B (Bun) — a raw client with `since`, and the SDK by itself — and
 * each ends with every acknowledged message (posted to A before the drain, or to B during and after
 * it) exactly once, in order.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "../../src/client/mod.ts";
import { type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { postMessages } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";
import { BUN, NODE, type RuntimeProcess, startRuntime } from "./runtimes.ts";

type Json = Record<string, unknown>;

let nats: NatsServer;
let a: RuntimeProcess;
let b: RuntimeProcess;
beforeAll(async () => {
  nats = await startNatsServer();
  NODE.prepare?.();
  const env = {
    NATS_URL: nats.url,
    NATS_STREAM: "DRAIN",
    HEARTBEAT_INTERVAL_MS: "60000",
    DRAIN_TIMEOUT_MS: "8000",
  };
  [a, b] = await Promise.all([startRuntime(NODE, env), startRuntime(BUN, env)]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await nats?.stop();
});

function dataSeqs(received: ReadonlyArray<string | Uint8Array>): number[] {
  return received
    .filter((m): m is string => typeof m === "string")
    .map((m) => JSON.parse(m) as Json)
    .filter((m) => m.type === "data")
    .map((m) => m.seq as number);
}

async function post(url: string, i: number): Promise<Response | undefined> {
  try {
    return await postMessages(url, "roll", { priority: "high", payload: i });
  } catch {
    return undefined;
  }
}

test("SIGTERM on node A: its client gets 1012, resumes on node B with since, misses nothing", async () => {
  const client = await openSocket(`${a.wsUrl}/v1/stream?feeds=roll`);
  expect(await client.nextJson()).toMatchObject({ op: "subscribe" });
  // The SDK reads its URL at every reconnect: A until A drains, then B.
  let aDraining = false;
  const sdk = connect({ url: () => (aDraining ? b.wsUrl : a.wsUrl), backoff: { minMs: 20, maxMs: 100 } });
  const sdkSeqs: number[] = [];
  let wanted = Number.POSITIVE_INFINITY;
  let reached = () => {};
  const subscribed = new Promise((resolve) => sdk.on("subscribed", resolve));
  sdk.subscribe("roll", (m) => {
    sdkSeqs.push(m.seq);
    if (m.seq >= wanted) reached();
  });
  await subscribed;
  const acked: number[] = [];
  let i = 0;
  for (; i < 20; i++) acked.push(...((await (await post(a.url, i))!.json()) as { seqs: number[] }).seqs);

  // The producer keeps going through the drain: A while it accepts, B once A refuses.
  let target = a.url;
  let stopProducer = false;
  const producer = (async () => {
    while (!stopProducer) {
      const res = await post(target, i);
      if (res?.status === 202) {
        acked.push(...((await res.json()) as { seqs: number[] }).seqs);
        i++;
      } else {
        expect(res === undefined || res.status === 503).toBe(true);
        target = b.url;
      }
    }
  })();
  while (acked.length < 40) await client.next();
  aDraining = true;
  a.proc.kill("SIGTERM");
  const { code } = await client.closed;
  expect(code).toBe(1012);
  expect(await a.proc.exited).toBe(0);

  const before = dataSeqs(client.received);
  const since = before.at(-1)!;
  const resumed = await openSocket(`${b.wsUrl}/v1/stream`);
  resumed.send({ op: "subscribe", feeds: ["roll"], since: { roll: since } });
  expect(await resumed.nextJson()).toMatchObject({ feeds: { roll: { recovered: true } } });
  // A few more on B after the reconnect, then stop the producer and wait for its last ack to arrive.
  const goal = acked.length + 20;
  while (acked.length < goal) await resumed.next();
  stopProducer = true;
  await producer;
  const last = acked.at(-1)!;
  while ((dataSeqs(resumed.received).at(-1) ?? since) < last) await resumed.next();
  expect([...before, ...dataSeqs(resumed.received)]).toEqual(acked);
  resumed.close();

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`SDK stopped at ${sdkSeqs.at(-1)} of ${last}`)), 10_000);
    wanted = last;
    reached = () => {
      clearTimeout(timer);
      resolve();
    };
    if ((sdkSeqs.at(-1) ?? 0) >= last) reached();
  });
  expect(sdkSeqs).toEqual(acked);
  expect(sdk.state.url).toContain(`:${b.port}/`);
  sdk.close();
});
