import { expect, test } from "bun:test";
import { connect } from "node:net";
import { postMessages, startServer, threat } from "../helpers/server.ts";

test("SIGKILL during ingest: every 202-acknowledged message is there after restart", async () => {
  const srv = await startServer();
  const acked = new Map<number, string>();
  let stop = false;
  let firstFailure: unknown;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const body = i % 3 === 0 ? Array.from({ length: 10 }, (_, k) => threat(k)) : threat(i);
      try {
        const res = await postMessages(srv.url, "durable", body);
        if (res.status !== 202) throw new Error(`status ${res.status}`);
        const ack = (await res.json()) as { ids: string[]; seqs: number[] };
        for (const [k, seq] of ack.seqs.entries()) acked.set(seq, ack.ids[k]!);
      } catch (e) {
        if (!stop) firstFailure ??= e;
        return;
      }
      if (w === 0 && acked.size >= 2000) {
        stop = true;
        srv.proc.kill("SIGKILL");
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
  await srv.proc.exited;
  expect(firstFailure).toBeUndefined();
  expect(acked.size).toBeGreaterThanOrEqual(2000);

  const again = await startServer({}, { dataDir: srv.dataDir });
  try {
    const stored = new Map<number, string>();
    for (let since = 0; ; ) {
      const res = await fetch(`${again.url}/v1/feeds/durable/messages?since=${since}&limit=10000`);
      const page = (await res.json()) as { messages: Array<{ seq: number; id: string }>; next: number };
      for (const m of page.messages) stored.set(m.seq, m.id);
      if (page.messages.length === 0) break;
      since = page.next;
    }
    const missing = [...acked].filter(([seq, id]) => stored.get(seq) !== id);
    expect(missing).toEqual([]);
  } finally {
    await again.stop();
  }
}, 60_000);

/**
 * Bun 1.4.x closes a connection, writing nothing, when a request is pipelined behind a response that is
 * still pending (uWS `HTTP_RESPONSE_PENDING`; fixes in flight upstream: oven-sh/bun#33664, #35036).
 * Our 202 waits for fsync, so pipelined publishers get no answer on Bun. What must hold anyway: nothing
 * is lost or doubled — a publisher that retries the unanswered requests with the same ids stores each
 * message exactly once. When Bun answers all three, the test holds too.
 */
test("pipelined HTTP/1.1 requests: answered, or refused whole and safely retried", async () => {
  const srv = await startServer();
  try {
    const bodies = [1, 2, 3].map((i) => JSON.stringify({ ...threat(i), id: crypto.randomUUID() }));
    const raw = bodies
      .map(
        (b) =>
          `POST /v1/feeds/pipe/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`,
      )
      .join("");
    const { answers, closed } = await new Promise<{ answers: number; closed: boolean }>((resolve, reject) => {
      let buf = "";
      const count = () => (buf.match(/HTTP\/1\.1 202/g) ?? []).length;
      const sock = connect(srv.port, "127.0.0.1", () => sock.write(raw));
      sock.on("data", (d) => {
        buf += d.toString();
        if (count() === 3) {
          sock.destroy();
          resolve({ answers: 3, closed: false });
        }
      });
      sock.on("close", () => resolve({ answers: count(), closed: true }));
      sock.on("error", reject);
    });
    if (answers < 3) {
      expect(closed).toBe(true);
      for (const b of bodies) expect((await postMessages(srv.url, "pipe", b)).status).toBe(202);
    }
    const res = await fetch(`${srv.url}/v1/feeds/pipe/messages?since=0`);
    const ids = ((await res.json()) as { messages: Array<{ id: string }> }).messages.map((m) => m.id).sort();
    expect(ids).toEqual(bodies.map((b) => (JSON.parse(b) as { id: string }).id).sort());
  } finally {
    await srv.stop();
  }
});
