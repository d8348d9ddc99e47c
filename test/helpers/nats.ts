/**
 * Real `nats-server -js` processes for tests: one server, or a 3-node JetStream cluster with routes.
 * Every server listens on 127.0.0.1 on a free port (never the shared 4222) with a fresh store dir, and a
 * start resolves only once the server logged "Server is ready" (bounded by `readyTimeoutMs`).
 *
 *   const nats = await startNatsServer();          // nats.url → "nats://127.0.0.1:<port>"
 *   await nats.kill();                              // SIGKILL, waits for the exit
 *   await nats.restart();                           // same port, same store: JetStream recovers it
 *   await nats.stop();                              // kill + remove the store dir
 *
 *   const cluster = await startNatsCluster();       // 3 servers, JetStream meta leader elected
 *   cluster.urls; cluster.servers[1]!.kill(); cluster.stop();
 *
 * Servers newer than 2.10 get `sync_interval: always` (fsync before every ack); older ones refuse the
 * field and run with their built-in interval — see docs/jetstream.md.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

/** One line saying what to do, instead of a start timeout with the cause buried in a log. */
function requireNatsServer(): void {
  if (!existsSync(NATS_SERVER_BIN)) {
    throw new Error(
      `nats-server not found at ${NATS_SERVER_BIN}: apt-get install nats-server, or set NATS_SERVER_BIN`,
    );
  }
}

export interface NatsServer {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly storeDir: string;
  /** True between a successful start/restart and a kill/stop. */
  readonly running: boolean;
  /** The process id while running (benchmarks read its CPU time from /proc). */
  readonly pid: number | undefined;
  /**
   * Sends `signal` (default SIGKILL: a crash, no clean shutdown) and resolves once the process exited
   * (a graceful signal gets 5 s, then SIGKILL). SIGSTOP / SIGCONT (a paused server) resolve at once.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port with the same config and store dir. */
  restart(): Promise<void>;
  /** Kills the server (if running) and deletes its directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Client port; a free one when omitted (pass one to start a server where a client already waits). */
  port?: number;
  /** Server name (`server_name`), also used in log lines. */
  name?: string;
  /** Raw config appended to the generated file, e.g. a `cluster { … }` block. */
  extraConfig?: string;
  /** Upper bound for "Server is ready" after a (re)start. Default 10 s. */
  readyTimeoutMs?: number;
  /** JetStream domain (one per region when regions are joined by leaf nodes). */
  domain?: string;
}

export interface NatsCluster {
  readonly servers: readonly NatsServer[];
  /** Client URLs of all servers, for a client's `servers` option. */
  readonly urls: string[];
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the OS picked it); good enough on loopback for tests. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `n` distinct ports that were free a moment ago. All are held open until every one is picked: closed
 * one by one, the OS may hand the same port out again (a cluster's second server once got the first's
 * client port as its own, and failed with "address already in use").
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: ReturnType<typeof createServer>[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          srv.once("error", reject);
          srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            resolve(typeof addr === "object" && addr !== null ? addr.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
  }
}

let syncAlwaysSupported: boolean | undefined;

/** Servers still running when the test process exits (a crash, a forgotten stop) die with it. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const proc of live) proc.kill("SIGKILL");
});

/** `sync_interval` exists from nats-server 2.10 on; 2.9 refuses to start with it. */
export function natsSupportsSyncAlways(): boolean {
  if (syncAlwaysSupported === undefined) {
    const out = spawnSync(NATS_SERVER_BIN, ["--version"], { encoding: "utf8" }).stdout ?? "";
    const m = /v(\d+)\.(\d+)\./.exec(out);
    syncAlwaysSupported = m !== null && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 10));
  }
  return syncAlwaysSupported;
}

export async function startNatsServer(opts: StartOptions = {}): Promise<NatsServer> {
  requireNatsServer();
  // A port picked here can be taken by another process before the server binds it: with a port of its
  // own choosing, the server gets two more.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNatsServerOnce(opts);
    } catch (err) {
      if (opts.port !== undefined || attempt === 3 || !/address already in use/.test(String(err))) throw err;
    }
  }
}

async function startNatsServerOnce(opts: StartOptions): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), "tacstream-nats-"));
  const port = opts.port ?? (await freePort());
  const server = new ServerProcess(opts.name ?? `n${port}`, port, dir, opts.readyTimeoutMs ?? 10_000);
  await writeFile(server.configPath, server.config(opts.extraConfig ?? "", opts.domain));
  try {
    await server.restart();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/**
 * Three servers (default) routed to each other in one cluster; resolves once every server knows the
 * JetStream meta leader, so streams can be created right away.
 */
export async function startNatsCluster(size = 3, readyTimeoutMs = 20_000): Promise<NatsCluster> {
  // nats-server 2.9 sometimes never elects a meta leader when three servers bootstrap at once on a
  // loaded machine (seen in the full suite: routes up, "Waiting for routing", no leader for 20 s). A
  // formed cluster is the precondition of the tests, not what they test: one more, fresh, attempt. The
  // same for a port taken between picking it and the server binding it (by any process on the machine).
  try {
    return await startNatsClusterOnce(size, readyTimeoutMs);
  } catch (first) {
    if (!/metadata leader|address already in use/.test(String(first))) throw first;
    return await startNatsClusterOnce(size, readyTimeoutMs);
  }
}

async function startNatsClusterOnce(size: number, readyTimeoutMs: number): Promise<NatsCluster> {
  requireNatsServer();
  const ports = await freePorts(2 * size);
  const clientPorts = ports.slice(0, size);
  const routePorts = ports.slice(size);
  const clusterName = `tac${clientPorts[0]}`;
  const routes = routePorts.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ");
  const starting = clientPorts.map((port, i) =>
    startNatsServer({
      port,
      name: `${clusterName}-${i + 1}`,
      readyTimeoutMs,
      extraConfig: `cluster { name: "${clusterName}", listen: "127.0.0.1:${routePorts[i]}", routes: [${routes}] }`,
    }),
  );
  const settled = await Promise.allSettled(starting);
  const servers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  const failed = settled.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  try {
    await Promise.all(servers.map((s) => (s as ServerProcess).waitForLog(/metadata leader/, readyTimeoutMs)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, urls: servers.map((s) => s.url), stop };
}

class ServerProcess implements NatsServer {
  readonly url: string;
  readonly storeDir: string;
  readonly configPath: string;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Log of the current process, kept so a waiter registered late still sees earlier lines. */
  private log = "";
  private logWaiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly dir: string,
    private readonly readyTimeoutMs: number,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
    this.storeDir = join(dir, "store");
    this.configPath = join(dir, "nats.conf");
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  config(extra: string, domain?: string): string {
    const sync = `${natsSupportsSyncAlways() ? ", sync_interval: always" : ""}${domain === undefined ? "" : `, domain: "${domain}"`}`;
    return [
      `server_name: "${this.name}"`,
      `host: "127.0.0.1"`,
      `port: ${this.port}`,
      `jetstream { store_dir: "${this.storeDir}"${sync} }`,
      extra,
      "",
    ].join("\n");
  }

  async restart(): Promise<void> {
    if (this.proc !== undefined) throw new Error(`${this.name} is already running`);
    this.log = "";
    const proc = spawn(NATS_SERVER_BIN, ["-c", this.configPath], { stdio: ["ignore", "ignore", "pipe"] });
    this.proc = proc;
    live.add(proc);
    this.exited = new Promise((resolve) => {
      proc.once("exit", () => resolve());
      // A missing binary emits "error" and never "exit".
      proc.once("error", (err) => {
        this.log += `cannot run ${NATS_SERVER_BIN} (set NATS_SERVER_BIN): ${err.message}\n`;
        resolve();
      });
    });
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (chunk: string) => {
      this.log += chunk;
      for (const wake of this.logWaiters) wake();
    });
    void this.exited.then(() => {
      live.delete(proc);
      if (this.proc === proc) this.proc = undefined;
      for (const wake of this.logWaiters) wake();
    });
    try {
      await this.waitForLog(/Server is ready/, this.readyTimeoutMs);
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  /** Resolves when the current process's log matches `re`; rejects on exit or after `timeoutMs`. */
  waitForLog(re: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (re.test(this.log)) done();
        else if (this.proc === undefined) done(new Error(`${this.name} exited before ${re}:\n${this.log}`));
      };
      const timer = setTimeout(
        () => done(new Error(`${this.name}: no ${re} within ${timeoutMs} ms:\n${this.log}`)),
        timeoutMs,
      );
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.logWaiters.delete(check);
        if (err === undefined) resolve();
        else reject(err);
      };
      this.logWaiters.add(check);
      check();
    });
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const proc = this.proc;
    if (proc === undefined) return;
    proc.kill(signal);
    if (signal === "SIGSTOP" || signal === "SIGCONT") return;
    // A graceful signal may take a while (JetStream flushes); a test must never hang on it.
    const escalate = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(escalate);
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
