import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { JetStreamJournal, type JetStreamJournalOptions } from "../../src/journal/jetstream/mod.ts";
import type { AppendEntry, Journal, StoredMessage } from "../../src/journal/journal.ts";
import { ErrorCode, TacError } from "../../src/protocol/errors.ts";
import { decodeFrame, readSeq } from "../../src/protocol/frame.ts";
import { type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { makeEntry } from "./entries.ts";

function entry(
  feedId: string,
  text: string,
  extra: { expiresAt?: number; priority?: number } = {},
): AppendEntry {
  return makeEntry(feedId, {
    payload: { text },
    priority: extra.priority ?? 1,
    expiresAt: extra.expiresAt ?? 0,
  });
}

function text(m: StoredMessage): string {
  return JSON.parse(new TextDecoder().decode(decodeFrame(m.frame).payload)).text;
}

/** Collects tail batches; `until(n)` resolves once n messages arrived (rejects after `ms`). */
function collect(journal: Journal) {
  const batches: number[][] = [];
  const seqs: number[] = [];
  const messages: StoredMessage[] = [];
  let wake = () => {};
  const unsubscribe = journal.tail((batch) => {
    batches.push(batch.map((m) => m.seq));
    for (const m of batch) {
      expect(readSeq(m.frame)).toBe(m.seq);
      seqs.push(m.seq);
      messages.push(m);
    }
    wake();
  });
  const until = (n: number, ms = 5_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tail got ${seqs.length}/${n}`)), ms);
      wake = () => {
        if (seqs.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      };
      wake();
    });
  return { batches, seqs, messages, until, unsubscribe };
}

/** The journal has no readiness event: poll its status, bounded. */
async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await Bun.sleep(10);
  }
}

let nats: NatsServer;
let nc: NatsConnection;
const journals: JetStreamJournal[] = [];
let streamNo = 0;

async function openJournal(extra: Partial<JetStreamJournalOptions> = {}): Promise<JetStreamJournal> {
  const j = new JetStreamJournal({
    servers: nats.url,
    stream: `S${++streamNo}`,
    // Streams may not share subjects: each test journal gets its own prefix.
    subjectPrefix: `p${streamNo}`,
    reconnectTimeWaitMs: 100,
    reconnectJitterMs: 50,
    ...extra,
  });
  journals.push(j);
  await j.open();
  return j;
}

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await Promise.all(journals.map((j) => j.close()));
  await nc?.close();
  await nats?.stop();
});

describe("JetStreamJournal on one server", () => {
  test("creates a file stream on feeds.> with the retention and duplicate window asked for", async () => {
    const j = await openJournal({
      subjectPrefix: "feeds",
      retention: { maxMessages: 1000, maxAgeMs: 3_600_000, maxBytes: 1 << 20 },
    });
    expect(j.status()).toEqual({ ready: true });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(`S${streamNo}`);
    expect(info.config.subjects).toEqual(["feeds.>"]);
    expect(info.config.storage).toBe("file");
    expect(info.config.max_msgs).toBe(1000);
    expect(info.config.max_age).toBe(3_600_000 * 1e6);
    expect(info.config.max_bytes).toBe(1 << 20);
    expect(info.config.duplicate_window).toBe(600_000 * 1e6);
  });

  test("updates a stream whose retention differs, keeping its epoch", async () => {
    const first = await openJournal({ retention: { maxMessages: 10 } });
    const stream = `S${streamNo}`;
    const before = await first.position("a");
    const second = new JetStreamJournal({
      servers: nats.url,
      stream,
      subjectPrefix: `p${streamNo}`,
      retention: { maxMessages: 20, maxAgeMs: 60_000 },
    });
    journals.push(second);
    await second.open();
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    expect(info.config.max_msgs).toBe(20);
    // The duplicate window may not exceed max age: capped to it.
    expect(info.config.duplicate_window).toBe(60_000 * 1e6);
    expect((await second.position("a")).epoch).toBe(before.epoch);
  });

  test("append stores the frame bytes untouched and read patches the stream seq in place", async () => {
    const j = await openJournal();
    const batch = [entry("alpha", "a1"), entry("beta", "b1"), entry("alpha", "a2", { priority: 0 })];
    const seqs = await j.append(batch);
    expect(seqs).toEqual([1, 2, 3]);
    const got = await j.read("alpha", 0, 10);
    expect(got.map((m) => m.seq)).toEqual([1, 3]);
    expect(got.map(text)).toEqual(["a1", "a2"]);
    expect(got.map((m) => m.priority)).toEqual([1, 0]);
    expect(got.every((m) => m.feedId === "alpha")).toBe(true);
    for (const [i, m] of got.entries()) {
      const original = batch[i === 0 ? 0 : 2]!.frame;
      expect(decodeFrame(m.frame).seq).toBe(m.seq);
      // Only bytes 8..15 (the seq) differ from what was appended.
      expect(m.frame.subarray(16)).toEqual(original.subarray(16));
      expect(m.frame.subarray(0, 8)).toEqual(original.subarray(0, 8));
    }
    const stored = await (await jetstreamManager(nc)).streams.getMessage(`S${streamNo}`, { seq: 3 });
    expect(stored?.header.get("Nats-Msg-Id")).toBe(`alpha/${batch[2]!.id}`);
    // Priority lives in the frame (byte 4) only: no header per message for it.
    expect(stored?.header.get("Tac-Priority")).toBe("");
    expect(stored?.data).toEqual(batch[2]!.frame);
  });

  test("frames handed out without a copy stay intact while more traffic flows", async () => {
    // Seqs are patched into the bytes NATS delivered; if the client reused its socket buffers, frames a
    // hub still holds would change under it. Hold a large read, push more through, then check them.
    const j = await openJournal();
    const live = collect(j);
    const big = { text: "y".repeat(3000) };
    const seqs = await j.append(Array.from({ length: 300 }, () => makeEntry("keep", { payload: big })));
    const held = await j.read("keep", 0, 1000);
    await live.until(300);
    for (let i = 0; i < 5; i++) {
      await j.append(Array.from({ length: 200 }, () => makeEntry("churn", { payload: big })));
      await j.read("churn", 0, 1000);
    }
    expect(held.map((m) => m.seq)).toEqual(seqs);
    for (const m of held) expect(decodeFrame(m.frame).seq).toBe(m.seq);
    expect(live.seqs.slice(0, 300)).toEqual(seqs);
    for (const m of live.messages.slice(0, 300)) expect(decodeFrame(m.frame).seq).toBe(m.seq);
  });

  test("a retried id is stored once and answers the first seq, within a batch and across batches", async () => {
    const j = await openJournal();
    const a = entry("dup", "a");
    const b = entry("dup", "b");
    expect(await j.append([a, b, a])).toEqual([1, 2, 1]);
    expect(await j.append([entry("dup", "c"), b, a])).toEqual([3, 2, 1]);
    const all = await j.read("dup", 0, 100);
    expect(all.map(text)).toEqual(["a", "b", "c"]);
    expect((await j.position("dup")).last).toBe(3);
  });

  test("read honours afterSeq and limit, filters by feed, skips expired messages", async () => {
    let now = 1_000_000;
    const j = await openJournal({ now: () => now });
    const seqs = await j.append([
      entry("f", "1"),
      entry("g", "x"),
      entry("f", "2", { expiresAt: 1_000_500 }),
      entry("f", "3"),
      entry("f", "4", { expiresAt: 2_000_000 }),
      entry("f", "5"),
    ]);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await j.read("f", 0, 100)).map(text)).toEqual(["1", "2", "3", "4", "5"]);
    expect((await j.read("f", 1, 2)).map((m) => m.seq)).toEqual([3, 4]);
    expect((await j.read("f", 6, 10)).length).toBe(0);
    expect(await j.read("f", 0, 0)).toEqual([]);
    expect((await j.read("nothing", 0, 10)).length).toBe(0);
    now = 1_500_000;
    // seq 3 expired: the limit is filled from later messages instead of coming back short.
    const after = await j.read("f", 0, 3);
    expect(after.map(text)).toEqual(["1", "3", "4"]);
    expect(after[2]!.expiresAt).toBe(2_000_000);
    now = 3_000_000;
    expect((await j.read("f", 0, 10)).map(text)).toEqual(["1", "3", "5"]);
  });

  test("read leaves no consumer behind", async () => {
    const j = await openJournal();
    await j.append([entry("c", "1")]);
    await j.read("c", 0, 10);
    await j.read("c", 1, 10);
    const jsm = await jetstreamManager(nc);
    // The delete is sent without awaiting its answer; a flush makes sure the server handled it.
    await nc.flush();
    expect((await jsm.streams.info(`S${streamNo}`)).state.consumer_count).toBe(0);
  });

  test("position gives the feed head, the stream bounds and a stable epoch", async () => {
    const j = await openJournal();
    const empty = await j.position("p");
    expect(empty).toMatchObject({ head: 0, first: 1, last: 0 });
    expect(empty.epoch).toMatch(/^[0-9a-f]{12,}$/);
    await j.append([entry("p", "1"), entry("q", "1"), entry("p", "2"), entry("q", "2")]);
    expect(await j.position("p")).toEqual({ epoch: empty.epoch, head: 3, first: 1, last: 4 });
    expect(await j.position("q")).toEqual({ epoch: empty.epoch, head: 4, first: 1, last: 4 });
    expect((await j.position("other")).head).toBe(0);
  });

  test("retention by count moves `first`", async () => {
    const j = await openJournal({ retention: { maxMessages: 3 } });
    await j.append([1, 2, 3, 4, 5].map((n) => entry("r", String(n))));
    expect(await j.position("r")).toMatchObject({ first: 3, last: 5, head: 5 });
    expect((await j.read("r", 0, 10)).map((m) => m.seq)).toEqual([3, 4, 5]);
  });

  test("tail: one consumer, batches in seq order, coalesced, each message once per listener", async () => {
    const j = await openJournal();
    await j.append([entry("t", "before")]);
    const one = collect(j);
    const two = collect(j);
    const seqs = await j.append(Array.from({ length: 200 }, (_, i) => entry(i % 2 ? "t" : "u", String(i))));
    await Promise.all([one.until(200), two.until(200)]);
    expect(one.seqs).toEqual(seqs);
    expect(two.seqs).toEqual(seqs);
    // 200 messages from one pipelined append arrive in a few socket reads, not 200 callbacks.
    expect(one.batches.length).toBeLessThan(50);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(`S${streamNo}`)).state.consumer_count).toBe(1);

    one.unsubscribe();
    const three = collect(j);
    const more = await j.append([entry("t", "late-1"), entry("u", "late-2")]);
    await Promise.all([two.until(202), three.until(2)]);
    expect(three.seqs).toEqual(more);
    expect(one.seqs.length).toBe(200);
    expect(two.seqs).toEqual([...seqs, ...more]);
  });

  test("tail sees what another node appends to the same stream", async () => {
    const a = await openJournal();
    const b = new JetStreamJournal({
      servers: nats.url,
      stream: `S${streamNo}`,
      subjectPrefix: `p${streamNo}`,
    });
    journals.push(b);
    await b.open();
    const seen = collect(a);
    const seqs = [...(await b.append([entry("x", "1")])), ...(await a.append([entry("y", "2")]))];
    await seen.until(2);
    expect(seen.seqs).toEqual(seqs);
  });

  test("a message appended right after tail() is delivered even though the consumer starts later", async () => {
    const j = await openJournal();
    await j.append([entry("e", "old")]);
    const seen = collect(j);
    const seqs = await j.append([entry("e", "new")]);
    await seen.until(1);
    expect(seen.seqs).toEqual(seqs);
  });

  test("a recreated stream is a new epoch", async () => {
    const j = await openJournal();
    await j.append([entry("z", "1"), entry("z", "2")]);
    const before = await j.position("z");
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(`S${streamNo}`);
    // The publish finds no stream: rejected, and the journal recreates the stream.
    const err = await j.append([entry("z", "3")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TacError);
    expect((err as TacError).code).toBe(ErrorCode.Unavailable);
    await waitUntil(() => j.status().ready, 5_000);
    expect(await j.append([entry("z", "4")])).toEqual([1]);
    const after = await j.position("z");
    expect(after.epoch).not.toBe(before.epoch);
    expect(after).toMatchObject({ head: 1, last: 1 });
  });

  test("bad input is a VALIDATION error, not a crash", async () => {
    const j = await openJournal();
    for (const bad of ["feeds.>", "a b", "*", "", "UPPER"]) {
      await expect(j.read(bad, 0, 1)).rejects.toMatchObject({ code: ErrorCode.Validation });
      await expect(j.append([{ ...entry("ok", "x"), feedId: bad }])).rejects.toMatchObject({
        code: ErrorCode.Validation,
      });
    }
    await expect(j.read("ok", -1, 1)).rejects.toMatchObject({ code: ErrorCode.Validation });
    expect(() => new JetStreamJournal({ servers: [] })).toThrow(TacError);
    expect(() => new JetStreamJournal({ servers: "nats://x", stream: "a.b" })).toThrow(TacError);
    expect(() => new JetStreamJournal({ servers: "nats://x", replicas: 0 })).toThrow(TacError);
  });

  test("status: not ready before open and after close", async () => {
    const j = new JetStreamJournal({
      servers: nats.url,
      stream: `S${++streamNo}`,
      subjectPrefix: `p${streamNo}`,
    });
    expect(j.status().ready).toBe(false);
    await expect(j.append([entry("s", "1")])).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    await j.open();
    expect(j.status().ready).toBe(true);
    await j.close();
    expect(j.status()).toEqual({ ready: false, reason: "journal closed" });
    // Default reconnect wait 1 s + up to 0.5 s jitter: retry after 2 s.
    await expect(j.append([entry("s", "1")])).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
      retryAfter: 2,
    });
  });
});
