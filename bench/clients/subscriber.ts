/**
 * Subscriber process for the benchmarks, run on Node (bundled by bench/lib/node-build.ts): opens N
 * WebSocket connections (raw client, or socket.io-client for the socket.io peer), records the latency
 * of every data message into an HDR histogram from the timestamp the load generator set (the intended
 * send time), and answers the parent's commands on stdin with JSON lines on stdout.
 *
 *   argv[2] = {"targets":[{"host","port"}],"conns":10,"feed":"bench","protocol":"binary","record":true}
 *   stdin:  {"cmd":"reset"} | {"cmd":"report"} | {"cmd":"wait","count":N,"timeoutMs":T} | {"cmd":"exit"}
 *   stdout: {"event":"ready"} | {"event":"report",...} | {"event":"progress","received"} | {"event":"error"}
 */
import { createInterface } from "node:readline";
import * as hdr from "hdr-histogram-js";
import { io } from "socket.io-client";
import { openRawWs } from "./raw-ws.ts";

interface Config {
  targets: Array<{ host: string; port: number }>;
  conns: number;
  feed: string;
  protocol: "binary" | "json" | "socketio";
  /** Idle connections only count what they receive; active ones record latency too. */
  record: boolean;
  /** Connections opened at once. */
  concurrency?: number;
  /** Subscribe with this op entry (a pattern such as `bench.*`) after the upgrade, instead of `?feeds=`. */
  subscribe?: string;
}

const cfg = JSON.parse(process.argv[2] ?? "{}") as Config;
const newHist = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
let hist = newHist();
let received = 0;
let closed = 0;
const closeCodes: Record<string, number> = {};
const now = () => performance.timeOrigin + performance.now();
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

// Messages of one batch share their intended time and arrive in the same chunk: recording equal
// latencies as one run keeps the histogram's cost per chunk, not per delivery.
let runUs = -1;
let runCount = 0;
function record(us: number): void {
  if (us === runUs) {
    runCount++;
    return;
  }
  flush();
  runUs = us;
  runCount = 1;
}
function flush(): void {
  if (runCount > 0) hist.recordValueWithCount(Math.max(1, runUs), runCount);
  runCount = 0;
  runUs = -1;
}

const TS_KEY = Buffer.from('"timestamp":');

/** A data message's timestamp (epoch ms), or undefined for control messages. */
function timestampOf(payload: Buffer, binary: boolean): number | undefined {
  if (binary) {
    // Binary frame v1: "TS", version, type 0 = data; f64 BE timestamp at offset 16.
    if (payload.length < 48 || payload[0] !== 0x54 || payload[1] !== 0x53 || payload[3] !== 0)
      return undefined;
    return payload.readDoubleBE(16);
  }
  const i = payload.indexOf(TS_KEY);
  if (i < 0) return undefined;
  const start = i + TS_KEY.length;
  let end = start;
  while (end < payload.length && payload[end] !== 0x2c && payload[end] !== 0x7d) end++;
  return Number(payload.toString("latin1", start, end));
}

function onData(ts: number, t: number): void {
  received++;
  if (cfg.record) record(Math.round((t - ts) * 1000));
}

async function openOne(i: number): Promise<void> {
  const target = cfg.targets[i % cfg.targets.length]!;
  if (cfg.protocol === "socketio") {
    const s = io(`http://${target.host}:${target.port}`, {
      transports: ["websocket"],
      query: { feed: cfg.feed },
      forceNew: true,
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      s.once("subscribed", () => resolve());
      s.once("connect_error", reject);
    });
    s.on("m", (frame: Buffer) => {
      const ts = timestampOf(frame, true);
      if (ts !== undefined) onData(ts, now());
      flush();
    });
    s.on("disconnect", (reason) => {
      closed++;
      closeCodes[reason] = (closeCodes[reason] ?? 0) + 1;
    });
    return;
  }
  let subscribed: () => void = () => {};
  const ready = new Promise<void>((r) => {
    subscribed = r;
  });
  const opts = {
    host: target.host,
    port: target.port,
    path: cfg.subscribe === undefined ? `/v1/stream?feeds=${cfg.feed}` : "/v1/stream",
    onMessage: (payload: Buffer, binary: boolean, t: number) => {
      const ts = timestampOf(payload, binary);
      if (ts !== undefined) onData(ts, t);
      else if (!binary && payload.includes('"op":"subscribe"')) subscribed();
    },
    onChunkEnd: flush,
    onClose: (code: number) => {
      closed++;
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    },
  };
  const ws = await openRawWs(cfg.protocol === "binary" ? { ...opts, protocol: "tacstream.v1.binary" } : opts);
  if (cfg.subscribe !== undefined) ws.send(JSON.stringify({ op: "subscribe", feeds: [cfg.subscribe] }));
  await ready;
}

async function openAll(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cfg.conns) await openOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(cfg.concurrency ?? 200, cfg.conns) }, worker));
}

function report(): Record<string, unknown> {
  flush();
  const mem = process.memoryUsage();
  return {
    event: "report",
    received,
    closed,
    closeCodes,
    hist: hdr.encodeIntoCompressedBase64(hist),
    rss: mem.rss,
  };
}

// Progress for the parent's flow control (closed-loop saturation runs): at most one line per 10 ms.
let told = 0;
const tell = setInterval(() => {
  if (received !== told) {
    told = received;
    out({ event: "progress", received });
  }
}, 10);
tell.unref();

let waiting: { count: number; deadline: number } | undefined;
const poll = setInterval(() => {
  if (waiting === undefined) return;
  if (received >= waiting.count || now() >= waiting.deadline || closed >= cfg.conns) {
    waiting = undefined;
    out(report());
  }
}, 20);
poll.unref();

createInterface({ input: process.stdin }).on("line", (line) => {
  const cmd = JSON.parse(line) as { cmd: string; count?: number; timeoutMs?: number };
  if (cmd.cmd === "reset") {
    flush();
    hist = newHist();
    received = 0;
    told = 0;
    out({ event: "reset" });
  } else if (cmd.cmd === "report") out(report());
  else if (cmd.cmd === "wait")
    waiting = { count: cmd.count ?? 0, deadline: now() + (cmd.timeoutMs ?? 10_000) };
  else if (cmd.cmd === "exit") process.exit(0);
});

openAll().then(
  () => out({ event: "ready", conns: cfg.conns }),
  (err: Error) => {
    out({ event: "error", message: err.message });
    process.exit(1);
  },
);
