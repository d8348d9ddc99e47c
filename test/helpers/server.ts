import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";

const ROOT = join(import.meta.dir, "..", "..");

export interface ServerProcess {
  url: string;
  wsUrl: string;
  port: number;
  dataDir: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Every stdout line so far (JSON log lines). */
  logs: string[];
  /** Resolves with the first log record whose `msg` is `msg` (already logged or yet to come). */
  logged(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals | number): Promise<number | null>;
  /** SIGTERM, then SIGKILL if still alive after `timeoutMs`; removes the data dir unless `keepData`. */
  stop(opts?: { keepData?: boolean; timeoutMs?: number }): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  /** Another entry file under the repo (default src/runtime/bun.ts), run with this Bun. */
  entry?: string;
  /** A whole command line instead (Node's bundle, Deno). */
  command?: string[];
  timeoutMs?: number;
  /** Resolve once the server listens, without waiting for the journal (NATS may be down). */
  waitFor?: "ready" | "listening";
}

/**
 * Starts the real server (`bun src/runtime/bun.ts`, as `npm start` does) in a child process on a free
 * port, and resolves once it logs `ready`. A child, not an in-process server, so tests can SIGKILL it.
 */
export async function startServer(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "tacstream-test-"));
  const command = opts.command ?? [process.execPath, join(ROOT, opts.entry ?? "src/runtime/bun.ts")];
  const proc = spawn(command, {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const logs: string[] = [];
  const records: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const wake = new Set<() => void>();
  void pumpLines(proc.stderr, (l) => stderr.push(l));
  void pumpLines(proc.stdout, (line) => {
    logs.push(line);
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const w of wake) w();
  });
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
    for (const w of wake) w();
  });

  const logged = (msg: string, timeoutMs = 15_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const rec = records.find((r) => r.msg === msg);
        if (rec !== undefined) done(rec);
        else if (exited) done(undefined, new Error(`server exited before "${msg}": ${stderr.join("\n")}`));
      };
      const timer = setTimeout(
        () => done(undefined, new Error(`no "${msg}" in ${timeoutMs} ms; ${stderr.join("\n")}`)),
        timeoutMs,
      );
      const done = (rec?: Record<string, unknown>, err?: Error) => {
        clearTimeout(timer);
        wake.delete(check);
        if (err !== undefined) reject(err);
        else resolve(rec!);
      };
      wake.add(check);
      check();
    });

  const listening = await logged("listening", opts.timeoutMs);
  if (opts.waitFor !== "listening") await logged("ready", opts.timeoutMs);
  const port = listening.port as number;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    logs,
    logged,
    async kill(signal = "SIGTERM") {
      proc.kill(signal);
      return proc.exited;
    },
    async stop(o = {}) {
      if (!exited) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), o.timeoutMs ?? 10_000);
        await proc.exited;
        clearTimeout(timer);
      }
      if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls `onLine` for every line a child process writes (the log lines tests and benches wait for). */
export async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i = buf.indexOf("\n");
    while (i >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      i = buf.indexOf("\n");
    }
  }
  if (buf) onLine(buf);
}

export async function postMessages(
  url: string,
  feedId: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/v1/feeds/${feedId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function threat(i: number, extra: Record<string, unknown> = {}) {
  return {
    priority: "high",
    payload: {
      threatLevel: "high",
      source: "test",
      title: `threat ${i}`,
      description: "d",
      indicators: [`ipv4:10.0.0.${i % 250}`],
      confidence: 0.9,
      ttl: 3600,
      ...extra,
    },
  };
}
