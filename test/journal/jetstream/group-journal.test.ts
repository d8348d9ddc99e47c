import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { GROUP_MAX, packSeq } from "../../../src/journal/jetstream/group.ts";
import { JetStreamJournal, type JetStreamJournalOptions } from "../../../src/journal/jetstream/mod.ts";
import type { Journal, StoredMessage } from "../../../src/journal/journal.ts";
import { decodeFrame, frameIdString, readSeq } from "../../../src/protocol/frame.ts";
import { type NatsServer, startNatsServer } from "../../helpers/nats.ts";
import { makeEntry, retryOf } from "../entries.ts";

let nats: NatsServer;
let nc: NatsConnection;
const journals: JetStreamJournal[] = [];
let streamNo = 0;

function options(extra: Partial<JetStreamJournalOptions> = {}): JetStreamJournalOptions {
  return {
    servers: nats.url,
    stream: `G${streamNo}`,
    subjectPrefix: `gp${streamNo}`,
    reconnectTimeWaitMs: 100,
    reconnectJitterMs: 50,
    groupCommit: true,
    ...extra,
  };
}

async function open(extra: Partial<JetStreamJournalOptions> = {}): Promise<JetStreamJournal> {
  const j = new JetStreamJournal(options(extra));
  journals.push(j);
  await j.open();
  return j;
}

async function streamState() {
  return (await (await jetstreamManager(nc)).streams.info(`G${streamNo}`)).state;
}

/** Resolves once `n` messages reached the listener (rejects after 5 s). */
function collect(journal: Journal) {
  const got: StoredMessage[] = [];
  let wake = () => {};
  journal.tail((batch) => {
    for (const m of batch) {
      expect(readSeq(m.frame)).toBe(m.seq);
      got.push(m);
    }
    wake();
  });
  const until = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tail got ${got.length}/${n}`)), 5_000);
      wake = () => {
        if (got.length < n) return;
        clearTimeout(timer);
        resolve();
      };
      wake();
    });
  return { got, until };
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

describe("JetStream group commit", () => {
  test("appends of one turn go out as one JetStream message per feed run, seqs derived from it", async () => {
    streamNo++;
    const j = await open();
    const a = [makeEntry("f"), makeEntry("f")];
    const b = [makeEntry("f"), makeEntry("f"), makeEntry("f")];
    const c = [makeEntry("h")];
    const [sa, sb, sc] = await Promise.all([j.append(a), j.append(b), j.append(c)]);
    expect(sa).toEqual([packSeq(1, 0), packSeq(1, 1)]);
    expect(sb).toEqual([packSeq(1, 2), packSeq(1, 3), packSeq(1, 4)]);
    expect(sc).toEqual([packSeq(2, 0)]);
    expect((await streamState()).messages).toBe(2);
    const stored = await (await jetstreamManager(nc)).streams.getMessage(`G${streamNo}`, { seq: 1 });
    expect(stored?.header.get("Tac-Frames")).toBe("5");
    const read = await j.read("f", 0, 10);
    expect(read.map((m) => m.seq)).toEqual([...sa!, ...sb!]);
    expect(read.map((m) => decodeFrame(m.frame).id)).toEqual([...a, ...b].map((e) => e.id));
    // A resume inside a group skips its frames up to `since`.
    expect((await j.read("f", sb![0]!, 10)).map((m) => m.seq)).toEqual(sb!.slice(1));
    expect((await j.read("f", sb![0]!, 1)).map((m) => m.seq)).toEqual([sb![1]!]);
    expect(await j.position("f")).toMatchObject({ head: sb![2]!, first: 1, last: sc![0]! });
    expect(await j.position("h")).toMatchObject({ head: sc![0]!, last: sc![0]! });
    const feeds = await j.feeds();
    expect(feeds.find((f) => f.feedId === "f")?.head).toBe(sb![2]!);
  });

  test("a turn larger than a group, or than max_payload, is split into several messages", async () => {
    streamNo++;
    const j = await open();
    const many = Array.from({ length: GROUP_MAX + 5 }, () => makeEntry("n", { payload: { t: "x" } }));
    const seqs = await j.append(many);
    expect(seqs[GROUP_MAX - 1]).toBe(packSeq(1, GROUP_MAX - 1));
    expect(seqs[GROUP_MAX]).toBe(packSeq(2, 0));
    const big = Array.from({ length: 3 }, () => makeEntry("b", { payload: { t: "y".repeat(400_000) } }));
    await j.append(big);
    // 1 MiB max_payload: two 400 kB frames fit, the third goes in the next message.
    expect((await streamState()).messages).toBe(4);
    expect(await j.read("b", 0, 10)).toHaveLength(3);
  });

  test("per-frame expiry inside a group", async () => {
    streamNo++;
    let now = 1_000_000;
    const j = await open({ now: () => now });
    const seqs = await j.append([
      makeEntry("e", { expiresAt: 1_000_500 }),
      makeEntry("e"),
      makeEntry("e", { expiresAt: 2_000_000 }),
    ]);
    expect((await j.read("e", 0, 10)).map((m) => m.seq)).toEqual(seqs);
    now = 1_500_000;
    const after = await j.read("e", 0, 10);
    expect(after.map((m) => m.seq)).toEqual(seqs.slice(1));
    expect(after[1]!.expiresAt).toBe(2_000_000);
  });

  test("a retry is stored once: in another group on a node whose tail saw it, and as a whole group on a fresh node", async () => {
    streamNo++;
    const a = await open();
    const b = await open();
    const seen = collect(b);
    const x = makeEntry("d");
    const y = makeEntry("d");
    const first = await a.append([x, y]);
    await seen.until(2);
    // Node b never appended x: its tail told it x's seq.
    expect(await b.append([makeEntry("d"), retryOf(x)])).toEqual([expect.any(Number), first[0]!]);
    expect(
      (await b.read("d", 0, 10)).map((m) => frameIdString(m.frame)).filter((id) => id === x.id),
    ).toHaveLength(1);
    // A node that knows nothing (no tail, just opened): the whole group retried as it was is caught by
    // JetStream's Nats-Msg-Id.
    const fresh = await open();
    const before = (await streamState()).messages;
    expect(await fresh.append([retryOf(x), retryOf(y)])).toEqual(first);
    expect((await streamState()).messages).toBe(before);
  });

  test("retention by count counts JetStream messages (groups)", async () => {
    streamNo++;
    const j = await open({ retention: { maxMessages: 2 } });
    await j.append([makeEntry("r"), makeEntry("r")]);
    const kept = [
      ...(await j.append([makeEntry("r"), makeEntry("r")])),
      ...(await j.append([makeEntry("r")])),
    ];
    expect((await j.read("r", 0, 10)).map((m) => m.seq)).toEqual(kept);
    expect((await j.position("r")).first).toBe(packSeq(2, 0));
  });

  test("a stream written one frame per message reads as groups of one, under a new epoch", async () => {
    streamNo++;
    const legacy = await open({ groupCommit: false });
    const old = await legacy.append([makeEntry("m"), makeEntry("o"), makeEntry("m")]);
    expect(old).toEqual([1, 2, 3]);
    const oldEpoch = (await legacy.position("m")).epoch;
    await legacy.close();
    const j = await open();
    const live = collect(j);
    const p = await j.position("m");
    expect(p.epoch).not.toBe(oldEpoch);
    expect(p).toMatchObject({ head: packSeq(3, 0), first: 1, last: packSeq(3, 0) });
    const next = await j.append([makeEntry("m"), makeEntry("m")]);
    expect(next).toEqual([packSeq(4, 0), packSeq(4, 1)]);
    const read = await j.read("m", 0, 10);
    expect(read.map((m) => m.seq)).toEqual([packSeq(1, 0), packSeq(3, 0), ...next]);
    for (const m of read) expect(decodeFrame(m.frame).seq).toBe(m.seq);
    await live.until(2);
    expect(live.got.map((m) => m.seq)).toEqual(next);
  });
});
