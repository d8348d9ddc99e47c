/**
 * What the three runtime entries share: graceful drain and shutdown signals (all of them), and a topic
 * registry for the runtimes whose WebSocket servers have no native topics (Node, Deno).
 */
import process from "node:process";
import { ConfigError } from "../config/config.ts";
import { DataDirLockedError } from "../journal/embedded/lock.ts";
import type { Logger } from "../observability/log.ts";
import { CloseCode, ErrorCode, TacError } from "../protocol/errors.ts";
import { StartupError } from "../server/bootstrap.ts";
import type { Tacstream } from "../server/server.ts";

/** topic → members and member → topics, so a closing socket leaves all its topics in one call. */
export class TopicSets<M> {
  readonly #members = new Map<string, Set<M>>();
  readonly #joined = new Map<M, Set<string>>();

  add(member: M, topic: string): void {
    let set = this.#members.get(topic);
    if (set === undefined) {
      set = new Set();
      this.#members.set(topic, set);
    }
    set.add(member);
    let topics = this.#joined.get(member);
    if (topics === undefined) {
      topics = new Set();
      this.#joined.set(member, topics);
    }
    topics.add(topic);
  }

  remove(member: M, topic: string): void {
    const set = this.#members.get(topic);
    if (set !== undefined) {
      set.delete(member);
      if (set.size === 0) this.#members.delete(topic);
    }
    this.#joined.get(member)?.delete(topic);
  }

  removeAll(member: M): void {
    for (const t of this.#joined.get(member) ?? []) {
      const set = this.#members.get(t);
      set?.delete(member);
      if (set?.size === 0) this.#members.delete(t);
    }
    this.#joined.delete(member);
  }

  members(topic: string): ReadonlySet<M> | undefined {
    return this.#members.get(topic);
  }

  count(topic: string): number {
    return this.#members.get(topic)?.size ?? 0;
  }
}

export type Fetch<A extends unknown[]> = (req: Request, ...rest: A) => Response | Promise<Response>;

const POLL_MS = 10;
/** Time given to clients to answer our 1012 close frame before their sockets are cut. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Graceful drain, runtime-free. `wrap` puts it in front of the app: while draining, `/ready` answers
 * 503 (load balancers stop routing here) and every new `/v1/*` request — ingests, replays, upgrades —
 * gets 503 with `Retry-After` and `Connection: close`, so clients retry on another node. `run` then
 * finishes what was already accepted, lets fan-out reach the journal head, lets socket buffers flush,
 * closes every session with 1012 (service restart: reconnect and resume with `since`) and stops the
 * server, all within `timeoutMs`.
 */
export class Drain {
  #draining = false;
  #inflight = 0;
  #running: Promise<void> | undefined;
  readonly #timeoutMs: number;
  readonly #log: Logger;

  constructor(opts: { timeoutMs: number; log: Logger }) {
    this.#timeoutMs = opts.timeoutMs;
    this.#log = opts.log;
  }

  get draining(): boolean {
    return this.#draining;
  }

  get inflight(): number {
    return this.#inflight;
  }

  wrap<A extends unknown[]>(fetch: Fetch<A>): Fetch<A> {
    return (req, ...rest) => {
      if (this.#draining) {
        const path = new URL(req.url).pathname;
        if (path === "/ready") {
          return Response.json({ ready: false, reason: "draining" }, { status: 503, headers: RETRY });
        }
        if (path.startsWith("/v1/")) return drainingResponse();
      }
      this.#inflight++;
      let out: Response | Promise<Response>;
      try {
        out = fetch(req, ...rest);
      } catch (err) {
        this.#inflight--;
        throw err;
      }
      // Two shared callbacks rather than an async wrapper: no extra frame or tick per request.
      if (out instanceof Promise) return out.then(this.#settled, this.#failed);
      this.#inflight--;
      return out;
    };
  }

  readonly #settled = (res: Response): Response => {
    this.#inflight--;
    return res;
  };

  readonly #failed = (err: unknown): never => {
    this.#inflight--;
    throw err;
  };

  /** Drains `node`, then calls `closeServer` (which cuts whatever is left). Idempotent. */
  run(node: Tacstream, closeServer: () => void | Promise<void>): Promise<void> {
    this.#running ??= this.#run(node, closeServer);
    return this.#running;
  }

  async #run(node: Tacstream, closeServer: () => void | Promise<void>): Promise<void> {
    const t0 = Date.now();
    const deadline = t0 + this.#timeoutMs;
    const hub = node.hub;
    this.#draining = true;
    this.#log.info("draining", { sessions: hub.sessions.size, inflight: this.#inflight });
    await until(() => this.#inflight === 0, deadline);
    // Everything acknowledged is in the journal; let fan-out send it before sockets are closed, so the
    // common case needs no replay at all on the next node.
    const head = node.journal.status().ready
      ? ((await beforeDeadline(node.journal.position(""), deadline))?.last ?? 0)
      : 0;
    await until(() => hub.processed >= head, deadline);
    await until(() => [...hub.sessions].every((ws) => ws.getBufferedAmount() === 0), deadline);
    const open = hub.sessions.size;
    await node.stop(CloseCode.ServiceRestart);
    await until(() => hub.sessions.size === 0, Math.min(Date.now() + CLOSE_GRACE_MS, deadline));
    await closeServer();
    this.#log.info("drained", {
      ms: Date.now() - t0,
      closed: open,
      cut: hub.sessions.size,
      inflight: this.#inflight,
    });
  }
}

const RETRY = { "Retry-After": "1", Connection: "close" };

function drainingResponse(): Response {
  const err = new TacError(ErrorCode.Unavailable, "this node is draining; retry on another node", {
    retryAfter: 1,
  });
  return Response.json(
    { error: err.toJSON() },
    { status: err.status, headers: { ...RETRY, "x-error-code": err.code } },
  );
}

/**
 * Polls: the conditions of a drain change in many places (sockets flush inside the runtime, fan-out in
 * the journal tail), and a 10 ms poll bounded by the drain deadline costs nothing at shutdown.
 */
async function until(pred: () => boolean, deadline: number): Promise<boolean> {
  while (!pred()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
  return true;
}

async function beforeDeadline<T>(p: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGTERM (orchestrators) and SIGINT (a terminal) start the drain; the process exits 0 when it is
 * done, 1 if it failed. A second signal, or a drain that overruns its timeout by a second, exits at
 * once: an orchestrator's SIGKILL must never be what ends us.
 */
export function exitOnSignals(
  stop: () => Promise<void>,
  timeoutMs: number,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) {
      exit(1);
      return;
    }
    stopping = true;
    const guard = setTimeout(() => exit(1), timeoutMs + 1_000);
    (guard as { unref?: () => void }).unref?.();
    stop().then(
      () => exit(0),
      () => exit(1),
    );
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, onSignal);
}

/** What a runtime's `main` hands back: how to drain it, and how long that may take. */
export interface Running {
  stop(): Promise<void>;
  drainTimeoutMs: number;
}

/** The tail of every entry file: start, drain on a signal, and turn a bad config into one line. */
/** Bun and Node say EADDRINUSE in `code`; Deno throws `Deno.errors.AddrInUse`. */
export function isAddressInUse(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const { code, name } = e as { code?: unknown; name?: unknown };
  return code === "EADDRINUSE" || name === "AddrInUse";
}

export async function runEntry(main: (env: Record<string, string | undefined>) => Promise<Running>) {
  try {
    const running = await main(process.env);
    exitOnSignals(() => running.stop(), running.drainTimeoutMs);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof DataDirLockedError) {
      console.error(`tacstream: ${e.message}`);
      process.exit(2);
    }
    if (isAddressInUse(e)) {
      console.error(`tacstream: port ${process.env.PORT || 8080} is already in use (set PORT)`);
      process.exit(1);
    }
    if (e instanceof StartupError) {
      console.error(`tacstream: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
