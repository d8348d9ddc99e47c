import { afterAll, expect, test } from "bun:test";
import { connect, type GapEvent, type TacstreamClient } from "../../src/client/mod.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";
import { collect, nextEvent } from "../client/support.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

const key = (n: number) => Buffer.alloc(32, n).toString("base64");
const OLD = `old:${key(7)}`;
const NEW = `new:${key(9)}`;

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function post(srv: ServerProcess, title: string): Promise<number> {
  const res = await postMessages(srv.url, "enc.feed", threat(1, { title }));
  expect(res.status).toBe(202);
  return ((await res.json()) as { seqs: number[] }).seqs[0]!;
}

test("a message under a removed key: one typed DAMAGED_RECORD entry in its place over HTTP and WebSocket, the rest served, the live tail goes on", async () => {
  const first = await startServer({ ENCRYPTION_KEYS: OLD });
  cleanup.push(() => first.stop());
  const s1 = await post(first, "sealed with old");
  await first.stop({ keepData: true });

  const rotated = await startServer({ ENCRYPTION_KEYS: `${NEW},${OLD}` }, { dataDir: first.dataDir });
  cleanup.push(() => rotated.stop());
  const s2 = await post(rotated, "sealed with new");
  await rotated.stop({ keepData: true });

  const srv = await startServer({ ENCRYPTION_KEYS: NEW }, { dataDir: first.dataDir });
  cleanup.push(() => srv.stop());
  expect(
    await srv.logged(
      "encryption key removed from ENCRYPTION_KEYS: messages sealed with it cannot be served (DAMAGED_RECORD)",
    ),
  ).toMatchObject({ kid: "old" });

  // HTTP: 200, the undecryptable message is one typed entry at its seq, the other is served.
  const res = await fetch(`${srv.url}/v1/feeds/enc.feed/messages?since=0`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    epoch: string;
    next: number;
    messages: Array<Record<string, unknown> & { payload?: { title: string } }>;
  };
  expect(body.messages.map((m) => m.seq)).toEqual([s1, s2]);
  expect(body.messages[0]).toEqual({
    seq: s1,
    error: {
      code: "DAMAGED_RECORD",
      message: expect.any(String),
      feedId: "enc.feed",
      reason: "undecryptable",
    },
  });
  expect(body.messages[1]!.payload!.title).toBe("sealed with new");
  expect(body.next).toBe(s2);
  expect(await srv.logged("stored message cannot be decrypted: answered as DAMAGED_RECORD")).toMatchObject({
    feedId: "enc.feed",
    seq: s1,
    reason: "unknown_key",
  });

  // WebSocket, on the wire: the notice in seq order, then the message, then live messages.
  const raw = await openSocket(`${srv.wsUrl}/v1/stream`);
  cleanup.push(() => raw.close());
  raw.send({ op: "subscribe", id: 1, feeds: ["enc.feed"], since: 0, epoch: body.epoch });
  const notice = await raw.untilJson((m) => m.type === "error");
  expect(notice).toMatchObject({
    type: "error",
    code: "DAMAGED_RECORD",
    feedId: "enc.feed",
    reason: "undecryptable",
    damagedSeq: s1,
  });
  expect(notice.seq).toBeUndefined();
  expect(await raw.untilJson((m) => m.seq !== undefined)).toMatchObject({
    seq: s2,
    payload: { title: "sealed with new" },
  });

  // The SDK, both formats: a gap for the one message, the others delivered, live included.
  let live = 0;
  for (const format of ["json", "binary"] as const) {
    const c: TacstreamClient = connect({ url: srv.wsUrl, format, backoff: { minMs: 20, maxMs: 200 } });
    cleanup.push(() => c.close());
    const gaps: GapEvent[] = [];
    const errors: unknown[] = [];
    c.on("gap", (g) => gaps.push(g));
    c.on("error", (e) => errors.push(e));
    const sub = collect(c, "enc.feed", { from: { seq: 0, epoch: body.epoch } });
    await nextEvent(c, "subscribed", (e) => e.feedId === "enc.feed");
    await sub.count(1 + live);
    const after = await post(srv, `live ${format}`);
    live++;
    await sub.count(1 + live);
    const got = sub.got as StreamMessage<{ title: string }>[];
    expect(got[0]!.seq).toBe(s2);
    expect(got.at(-1)!.seq).toBe(after);
    expect(got.at(-1)!.payload.title).toBe(`live ${format}`);
    expect(gaps).toEqual([
      expect.objectContaining({
        feedId: "enc.feed",
        reason: "damaged",
        damage: "undecryptable",
        from: s1,
        to: s1,
      }),
    ]);
    expect(errors).toEqual([]);
    c.close();
  }
  // The raw socket, subscribed all along, got both live messages too.
  expect(await raw.untilJson((m) => typeof m.seq === "number" && m.seq > s2)).toMatchObject({
    payload: { title: "live json" },
  });
}, 60_000);
