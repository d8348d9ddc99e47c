import { expect, test } from "bun:test";
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
