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
  kill(signal?: NodeJS.Signals | number): Promise<number | null>;
  /** Kills (SIGTERM) and removes the data directory unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the real server (`bun src/runtime/bun.ts`, as `npm start` does) in a child process on a free
 * port, and resolves once it logs `ready`. A child, not an in-process server, so tests can SIGKILL it.
 */
export async function startServer(
  env: Record<string, string> = {},
  opts: { dataDir?: string; entry?: string; timeoutMs?: number; waitFor?: "ready" | "listening" } = {},
): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "tacstream-test-"));
  const proc = spawn([process.execPath, join(ROOT, opts.entry ?? "src/runtime/bun.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const logs: string[] = [];
  const stderr: string[] = [];
  void pump(proc.stderr, (l) => stderr.push(l));
  const port = await new Promise<number>((resolve, reject) => {
    let listenPort = 0;
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time; stderr: ${stderr.join("\n")}`)),
      opts.timeoutMs ?? 15_000,
    );
    void pump(proc.stdout, (line) => {
      logs.push(line);
      let rec: { msg?: string; port?: number };
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.msg === "listening" && rec.port) {
        listenPort = rec.port;
        if (opts.waitFor === "listening") {
          clearTimeout(timer);
          resolve(listenPort);
        }
      }
      if (rec.msg === "ready") {
        clearTimeout(timer);
        resolve(listenPort);
      }
    });
    void proc.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr.join("\n")}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    logs,
    async kill(signal = "SIGTERM") {
      proc.kill(signal);
      return proc.exited;
    },
    async stop(o = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        await proc.exited;
      }
      if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
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
