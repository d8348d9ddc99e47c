/**
 * Journal: append and replay rates of the two `Journal` implementations, in this process — the
 * embedded file log (fsync always, then interval) and JetStream (a temporary `nats-server -js`).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { EmbeddedJournal } from "../src/journal/embedded/mod.ts";
import { JetStreamJournal } from "../src/journal/jetstream/mod.ts";
import type { AppendEntry, Journal } from "../src/journal/journal.ts";
import { encodeFrame } from "../src/protocol/frame.ts";
import { uuidToString, uuidv7Bytes } from "../src/protocol/uuid.ts";
import { NATS_SERVER_BIN, startNatsServer } from "../test/helpers/nats.ts";
import type { BenchContext } from "./lib/context.ts";
import { newHistogram, percentiles } from "./lib/hdr.ts";
import { payloadOf } from "./lib/load.ts";
import { progress } from "./lib/progress.ts";
import { fmt, ms, type SuiteResult, type Table } from "./lib/results.ts";

const encoder = new TextEncoder();
const PAYLOAD = encoder.encode(payloadOf(256));

function entries(feed: string, n: number): AppendEntry[] {
  const now = Date.now();
  const feedBytes = encoder.encode(feed);
  return Array.from({ length: n }, () => {
    const id = uuidv7Bytes(now);
    const frame = encodeFrame(
      { type: "data", priority: "high", feedId: feed, timestamp: now, id, payload: PAYLOAD },
      feedBytes,
    );
    return { feedId: feed, id: uuidToString(id), frame, priority: 1, expiresAt: 0 };
  });
}

interface Measure {
  journal: string;
  test: string;
  msgPerSec: number;
  opsPerSec: number;
  latency: ReturnType<typeof percentiles>;
}

/** Appends `batch`-sized batches from `concurrency` loops for `seconds`; latency per append call. */
async function appendRate(
  j: Journal,
  name: string,
  test: string,
  batch: number,
  concurrency: number,
  seconds: number,
): Promise<Measure> {
  const hist = newHistogram();
  let msgs = 0;
  let ops = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const e = entries("bench", batch);
      const s = performance.now();
      await j.append(e);
      hist.recordValue(Math.max(1, Math.round((performance.now() - s) * 1000)));
      msgs += batch;
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const secs = (performance.now() - t0) / 1000;
  return {
    journal: name,
    test,
    msgPerSec: Math.round(msgs / secs),
    opsPerSec: Math.round(ops / secs),
    latency: percentiles(hist),
  };
}

/**
 * The ceiling for the JetStream journal, in the same run on the same server: the raw NATS client
 * publishing the same frames, pipelined in batches of 100, with `Nats-Msg-Id` (which de-duplication
 * needs) — the journal adds only its own bookkeeping on top of this.
 */
async function rawPublishRate(servers: string, seconds: number): Promise<Measure> {
  const nc = await connect({ servers, noAsyncTraces: true });
  const stream = `BENCHRAW_${process.pid}`;
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    const js = jetstream(nc);
    const hist = newHistogram();
    let msgs = 0;
    let ops = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const batch = entries("bench", 100);
      const s = performance.now();
      await Promise.all(batch.map((e) => js.publish(`${stream}.bench`, e.frame, { msgID: e.id })));
      hist.recordValue(Math.max(1, Math.round((performance.now() - s) * 1000)));
      msgs += batch.length;
      ops++;
    }
    const secs = (performance.now() - t0) / 1000;
    await jsm.streams.delete(stream);
    return {
      journal: "raw nats.js client",
      test: "publish, batches of 100, pipelined, Nats-Msg-Id",
      msgPerSec: Math.round(msgs / secs),
      opsPerSec: Math.round(ops / secs),
      latency: percentiles(hist),
    };
  } finally {
    await nc.close();
  }
}

/** Reads the whole feed from the start in pages of 1,000. */
async function replayRate(j: Journal, name: string): Promise<Measure> {
  const hist = newHistogram();
  let after = 0;
  let msgs = 0;
  let ops = 0;
  const t0 = performance.now();
  for (;;) {
    const s = performance.now();
    const page = await j.read("bench", after, 1000);
    hist.recordValue(Math.max(1, Math.round((performance.now() - s) * 1000)));
    if (page.length === 0) break;
    msgs += page.length;
    ops++;
    after = page.at(-1)!.seq;
  }
  const secs = (performance.now() - t0) / 1000;
  return {
    journal: name,
    test: "replay, pages of 1,000",
    msgPerSec: Math.round(msgs / secs),
    opsPerSec: Math.round(ops / secs),
    latency: percentiles(hist),
  };
}

async function measure(j: Journal, name: string, quick: boolean): Promise<Measure[]> {
  const s = quick ? 1 : 5;
  await j.open();
  try {
    progress.update(`journal: ${name}`);
    const out = [
      await appendRate(j, name, "append, batches of 100", 100, 1, s),
      await appendRate(j, name, "append, single, 32 concurrent", 1, 32, s),
      await appendRate(j, name, "append, single, sequential", 1, 1, s),
    ];
    out.push(await replayRate(j, name));
    return out;
  } finally {
    progress.clear();
    await j.close();
  }
}

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const notes: string[] = [];
  const failures: string[] = [];
  const results: Measure[] = [];
  for (const fsync of ["always", "interval"] as const) {
    const dir = mkdtempSync(join(tmpdir(), "tacstream-bench-journal-"));
    try {
      results.push(
        ...(await measure(new EmbeddedJournal({ dir, fsync }), `embedded (fsync ${fsync})`, ctx.quick)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (ctx.natsUrl !== undefined || existsSync(NATS_SERVER_BIN)) {
    const own = ctx.natsUrl === undefined ? await startNatsServer({ name: "bench-journal" }) : undefined;
    try {
      const servers = ctx.natsUrl ?? own!.url;
      const raw = await rawPublishRate(servers, ctx.quick ? 1 : 5);
      const j = new JetStreamJournal({ servers, stream: `BENCHJ_${process.pid}` });
      const ours = await measure(j, "jetstream", ctx.quick);
      results.push(raw, ...ours);
      const ratio = ours[0]!.msgPerSec / raw.msgPerSec;
      notes.push(
        `jetstream journal append = ${(100 * ratio).toFixed(0)} % of the raw client's pipelined publish (target ≥ 80 %)`,
      );
    } catch (err) {
      failures.push(`jetstream: ${(err as Error).message}`);
    } finally {
      await own?.stop();
    }
  } else {
    notes.push(`jetstream skipped: no nats-server at ${NATS_SERVER_BIN}`);
  }
  const table: Table = {
    title: "Journal append and replay (in process), latency per call ms",
    columns: ["journal", "test", "msg/s", "calls/s", "p50", "p99", "p99.9", "max"],
    rows: results.map((r) => [
      r.journal,
      r.test,
      fmt(r.msgPerSec),
      fmt(r.opsPerSec),
      ms(r.latency.p50),
      ms(r.latency.p99),
      ms(r.latency.p999),
      ms(r.latency.max),
    ]),
  };
  return { suite: "journal", quick: ctx.quick, data: { results }, tables: [table], failures, notes };
}
