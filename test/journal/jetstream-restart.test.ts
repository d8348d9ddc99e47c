import { afterEach, describe, expect, test } from "bun:test";
import { JetStreamJournal } from "../../src/journal/jetstream/mod.ts";
import type { StoredMessage } from "../../src/journal/journal.ts";
import { ErrorCode, TacError } from "../../src/protocol/errors.ts";
import { readSeq } from "../../src/protocol/frame.ts";
import { freePort, type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { makeEntry } from "./entries.ts";

/** The journal exposes no readiness event (only `status()`): poll, bounded. */
async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await Bun.sleep(10);
  }
}

const journals: JetStreamJournal[] = [];
const servers: NatsServer[] = [];
afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

function journal(url: string, groupCommit = false): JetStreamJournal {
  const j = new JetStreamJournal({
    servers: url,
    groupCommit,
    reconnectTimeWaitMs: 100,
    reconnectJitterMs: 50,
    requestTimeoutMs: 1_000,
  });
  journals.push(j);
  return j;
}

async function server(port?: number): Promise<NatsServer> {
  const s = await startNatsServer(port === undefined ? {} : { port });
  servers.push(s);
  return s;
}

describe("JetStreamJournal across NATS failures", () => {
  test("NATS unreachable at start: open resolves not ready with the reason, ready once NATS appears", async () => {
    const port = await freePort();
    const j = journal(`nats://127.0.0.1:${port}`);
    const tailed: StoredMessage[] = [];
    j.tail((batch) => tailed.push(...batch));
    await j.open();
    const down = j.status();
    expect(down.ready).toBe(false);
    expect(down.reason).toContain(`127.0.0.1:${port}`);
    expect(down.reason).toMatch(/refused/i);
    const err = await j.append([makeEntry("a")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TacError);
    expect(err).toMatchObject({ code: ErrorCode.Unavailable, status: 503 });
    expect((err as TacError).retryAfter).toBeGreaterThanOrEqual(1);

    await server(port);
    await waitUntil(() => j.status().ready, 5_000, "ready after NATS started");
    const seqs = await j.append([makeEntry("a"), makeEntry("b")]);
    expect(seqs).toEqual([1, 2]);
    await waitUntil(() => tailed.length === 2, 5_000, "tail registered before NATS came up");
    expect(tailed.map((m) => m.seq)).toEqual(seqs);
  });

  // Both write paths; group commit's seqs are sparse, so "no gap" is checked against what the stream holds.
  for (const groupCommit of [false, true])
    test(`NATS killed and restarted under appends${groupCommit ? " (group commit)" : ""}: UNAVAILABLE while down, nothing acknowledged lost, tail without gap or duplicate`, async () => {
      const nats = await server();
      const j = journal(nats.url, groupCommit);
      await j.open();
      const tailed: number[] = [];
      j.tail((batch) => {
        for (const m of batch) {
          expect(readSeq(m.frame)).toBe(m.seq);
          tailed.push(m.seq);
        }
      });
      const acked: number[] = [];
      const failures: unknown[] = [];
      let running = true;
      const appender = (async () => {
        while (running) {
          try {
            acked.push(...(await j.append(Array.from({ length: 10 }, () => makeEntry("restart")))));
          } catch (err) {
            failures.push(err);
            // A client honouring Retry-After would wait longer; a short pause keeps the test quick.
            await Bun.sleep(20);
          }
        }
      })();

      await waitUntil(() => acked.length >= 200, 10_000, "appends before the kill");
      await nats.kill("SIGKILL");
      const failuresAtKill = failures.length;
      await waitUntil(() => failures.length >= failuresAtKill + 3, 10_000, "appends rejected while down");
      expect(j.status().ready).toBe(false);
      expect(j.status().reason).toMatch(/nats/);
      const ackedWhileDown = acked.length;

      await nats.restart();
      await waitUntil(() => acked.length >= ackedWhileDown + 200, 10_000, "appends after the restart");
      running = false;
      await appender;

      expect(failures.length).toBeGreaterThanOrEqual(3);
      for (const f of failures) expect(f).toMatchObject({ code: ErrorCode.Unavailable });

      // Every acknowledged message survived the crash and reads back.
      const position = await j.position("restart");
      const stored = await j.read("restart", 0, 100_000);
      const storedSeqs = new Set(stored.map((m) => m.seq));
      for (const seq of acked) expect(storedSeqs.has(seq)).toBe(true);

      // The tail delivered the stream from its first message to the last: no gap, no duplicate.
      await waitUntil(() => tailed.at(-1) === position.last, 10_000, "tail caught up");
      const first = tailed[0]!;
      expect(tailed).toEqual(stored.map((m) => m.seq).filter((s) => s >= first));
      expect(tailed.length).toBeGreaterThan(400);
      if (!groupCommit)
        expect(tailed).toEqual(Array.from({ length: position.last - first + 1 }, (_, i) => first + i));
    });
});
