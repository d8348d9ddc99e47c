import { expect, test } from "bun:test";
import { startNatsServer } from "../helpers/nats.ts";
import { postMessages, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

/**
 * Issue 15: NATS slow or gone must keep every other subscriber served and lose nothing acknowledged.
 * A paused nats-server (SIGSTOP) is the worst case: the TCP connection stays up, so nothing fails fast
 * and every publish waits for an ack that does not come. What the user must see meanwhile: a bounded
 * 503 for new writes (not a hung request), /health and the WebSocket control plane answering, and after
 * the server resumes, every acknowledged message exactly once, retries with the same id included.
 */

const until = async (pred: () => Promise<boolean> | boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

const elapsed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
};

// Both JetStream modes: group commit (the one-core setting) keeps its own de-duplication window, and a
// stall leaves a group in flight whose ack never came.
for (const [mode, env] of [
  ["per-message publish", {}],
  ["group commit", { NATS_GROUP_COMMIT: "true" }],
] as const) {
  test(`NATS paused (${mode}): writes refused in bounded time, health and sockets answer, every ack delivered once after`, async () => {
    const nats = await startNatsServer();
    const srv = await startServer({ NATS_URL: nats.url, ...env });
    const sub = await openSocket(`${srv.wsUrl}/v1/stream?feeds=stall`);
    await sub.nextJson(); // the subscribe reply
    const acked = new Set<string>();
    let next = 0;
    const ids: string[] = [];
    const idOf = (i: number) => {
      ids[i] ??= crypto.randomUUID();
      return ids[i]!;
    };
    // A client that retries what was refused with the same id: the id is what de-duplicates.
    const send = async (id: string, i: number) => {
      const res = await postMessages(srv.url, "stall", [{ ...threat(i), id }]);
      if (res.status === 202) acked.add(id);
      else expect(res.status).toBe(503);
      return res.status;
    };
    try {
      for (; next < 20; next++) expect(await send(idOf(next), next)).toBe(202);

      await nats.kill("SIGSTOP");
      const stalledId = idOf(next);
      const [status, took] = await elapsed(() => send(stalledId, next));
      next++;
      // Refused, not hung: the publish ack is bounded (5 s), and a refusal says when to come back.
      expect(status).toBe(503);
      expect(took).toBeLessThan(15_000);
      // While NATS is stalled the node itself answers at once.
      const [health, healthMs] = await elapsed(() => fetch(`${srv.url}/health`));
      expect(health.status).toBe(200);
      expect(healthMs).toBeLessThan(1000);
      const [pong, pongMs] = await elapsed(async () => {
        sub.send({ op: "ping", id: 7 });
        return sub.untilJson<{ type?: string; op?: string; id?: number }>((m) => m.id === 7, 5000);
      });
      expect(pong.id).toBe(7);
      expect(pongMs).toBeLessThan(1000);

      await nats.kill("SIGCONT");
      // The refused message again, same id, until it is accepted; then more.
      await until(async () => (await send(stalledId, next)) === 202, 30_000, "a 202 after NATS resumed");
      for (const end = next + 20; next < end; next++) expect(await send(idOf(next), next)).toBe(202);

      // Live: every acknowledged id reaches the subscriber exactly once (`received` keeps every frame).
      const live = () => {
        const n = new Map<string, number>();
        for (const raw of sub.received) {
          if (typeof raw !== "string") continue;
          const m = JSON.parse(raw) as { id?: string; seq?: number };
          if (typeof m.seq === "number" && m.id !== undefined) n.set(m.id, (n.get(m.id) ?? 0) + 1);
        }
        return n;
      };
      await until(() => [...acked].every((id) => live().has(id)), 30_000, "every acknowledged message live");
      expect([...live()].filter(([, n]) => n > 1)).toEqual([]);
      // Stored: each id once, in the journal as a replay shows it.
      const res = await fetch(`${srv.url}/v1/feeds/stall/messages?since=0&limit=1000`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { messages: Array<{ id: string; seq: number }> };
      const stored = page.messages.map((m) => m.id);
      expect(new Set(stored).size).toBe(stored.length);
      expect([...acked].filter((id) => !stored.includes(id))).toEqual([]);
      const seqs = page.messages.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    } finally {
      await nats.kill("SIGCONT");
      sub.close();
      await srv.stop();
      await nats.stop();
    }
  }, 90_000);
}

test("group commit, NATS paused under a batch: its ids retried in other groups are still stored once", async () => {
  // The batch's group was written to the paused server's socket, so NATS stores it when it resumes,
  // though its ack never came (503). The client then retries its messages in other groups — one alone,
  // one with a new message — whose Nats-Msg-Id differ from the lost group's: only the journal's own
  // window can tell, and only once the tail has delivered what the paused server stored.
  const nats = await startNatsServer();
  const srv = await startServer({ NATS_URL: nats.url, NATS_GROUP_COMMIT: "true" });
  const [x, y, z] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  try {
    expect((await postMessages(srv.url, "doubt", [threat(0)])).status).toBe(202);
    await nats.kill("SIGSTOP");
    const lost = await postMessages(srv.url, "doubt", [
      { ...threat(1), id: x },
      { ...threat(2), id: y },
    ]);
    expect(lost.status).toBe(503);
    await nats.kill("SIGCONT");
    const retry = async (body: unknown[]) => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        const res = await postMessages(srv.url, "doubt", body);
        if (res.status === 202) return (await res.json()) as { seqs: number[] };
        expect(res.status).toBe(503);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("no 202 after NATS resumed");
    };
    const a = await retry([{ ...threat(1), id: x }]);
    const b = await retry([
      { ...threat(2), id: y },
      { ...threat(3), id: z },
    ]);
    const res = await fetch(`${srv.url}/v1/feeds/doubt/messages?since=0&limit=100`);
    const page = (await res.json()) as { messages: Array<{ id: string; seq: number }> };
    const count = (id: string) => page.messages.filter((m) => m.id === id).length;
    expect([count(x), count(y), count(z)]).toEqual([1, 1, 1]);
    // The retries answer the seqs the messages are stored under.
    const seqOf = (id: string) => page.messages.find((m) => m.id === id)!.seq;
    expect([a.seqs[0], b.seqs[0], b.seqs[1]]).toEqual([seqOf(x), seqOf(y), seqOf(z)]);
  } finally {
    await nats.kill("SIGCONT");
    await srv.stop();
    await nats.stop();
  }
}, 90_000);
