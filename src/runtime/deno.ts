/**
 * The Deno entry point: `deno run -A src/runtime/deno.ts` (`npm run start:deno`). Deno.serve serves
 * the Hono app; `Deno.upgradeWebSocket` gives web-standard sockets, adapted to the hub's `HubSocket`
 * with topics kept in a `TopicSets` (Deno has no native topic publish).
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import type { Upgrade } from "../hub/routes.ts";
import type { SessionState } from "../hub/session.ts";
import type { HubSocket, Publisher } from "../hub/socket.ts";
import { CloseCode } from "../protocol/errors.ts";
import { bootNode } from "../server/bootstrap.ts";
import { defaultPlugins } from "../server/plugins.ts";
import { Drain, type Running, runEntry, TopicSets } from "./shared.ts";

/** The few Deno APIs used here; the project type-checks with Bun's types, not Deno's. */
interface DenoApi {
  serve(
    opts: {
      port: number;
      hostname: string;
      cert?: string;
      key?: string;
      onListen?: (addr: { port: number }) => void;
    },
    handler: (req: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): { shutdown(): Promise<void>; finished: Promise<void> };
  upgradeWebSocket(
    req: Request,
    opts: { protocol?: string; idleTimeout?: number },
  ): { socket: WebSocket; response: Response };
}
declare const Deno: DenoApi;

const DRAIN_POLL_MS = 50;

class DenoSocket implements HubSocket<SessionState> {
  constructor(
    readonly ws: WebSocket,
    readonly data: SessionState,
    private readonly topics: TopicSets<DenoSocket>,
    private readonly hardLimit: number,
    private readonly alive: (s: DenoSocket) => void,
  ) {}

  send(data: string | Uint8Array): number {
    if (this.ws.readyState !== WebSocket.OPEN) return 0;
    this.ws.send(data);
    const queued = this.ws.bufferedAmount;
    // Deno cannot cut a socket: past the hard limit it is closed (4008) and sent nothing more; the
    // connection goes when the peer answers the close or idleTimeout finds it dead.
    if (queued > this.hardLimit) {
      this.ws.close(CloseCode.SlowConsumer, "slow consumer");
      return 0;
    }
    return queued > 0 ? -1 : data.length;
  }

  subscribe(topic: string): void {
    this.topics.add(this, topic);
  }

  unsubscribe(topic: string): void {
    this.topics.remove(this, topic);
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  /**
   * Deno's server sockets expose neither ping nor pong. Its `idleTimeout` pings idle peers and closes
   * those that do not answer, so a socket still open is alive: tell the hub so.
   */
  ping(): void {
    this.alive(this);
  }

  getBufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

const utf8 = new TextEncoder();

/** A UTF-16 unit is 1 to 3 UTF-8 bytes: a string is only encoded when its length cannot settle it. */
function tooBig(msg: string | Uint8Array, max: number): boolean {
  if (typeof msg !== "string") return msg.byteLength > max;
  if (msg.length > max) return true;
  return msg.length * 3 > max && utf8.encode(msg).byteLength > max;
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<Running> {
  const ips = new WeakMap<Request, string>();
  const { config, log, node, journal, security } = await bootNode(env, {
    clientIp: (req) => ips.get(req) ?? "",
    plugins: defaultPlugins,
  });
  const hub = node.hub;
  const drain = new Drain({ timeoutMs: config.DRAIN_TIMEOUT_MS, log });
  const topics = new TopicSets<DenoSocket>();
  // The route returns a plain 200; Deno needs the response `upgradeWebSocket` made for that request.
  const upgraded = new WeakMap<Request, Response>();
  const idleTimeout = Math.max(1, Math.ceil(config.HEARTBEAT_INTERVAL_MS / 1000));

  const upgrade: Upgrade = (req, init) => {
    const proto = Object.entries(init.headers ?? {}).find(
      ([k]) => k.toLowerCase() === "sec-websocket-protocol",
    )?.[1];
    const { socket, response } = Deno.upgradeWebSocket(
      req,
      proto === undefined ? { idleTimeout } : { protocol: proto, idleTimeout },
    );
    socket.binaryType = "arraybuffer";
    const s = new DenoSocket(socket, init.data, topics, config.BACKPRESSURE_LIMIT * 2, (x) => hub.onPong(x));
    socket.onopen = () => hub.onOpen(s);
    socket.onmessage = (e: MessageEvent) => {
      const msg = typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer);
      // Deno's upgrade has no frame size limit of ours (its own is 64 MiB): MAX_PAYLOAD is applied
      // here, once the frame is in, with the close code Bun and `ws` use.
      if (tooBig(msg, config.MAX_PAYLOAD)) socket.close(CloseCode.TooBig, "message too big");
      else hub.onMessage(s, msg);
    };
    socket.onclose = (e: CloseEvent) => {
      topics.removeAll(s);
      hub.onClose(s, e.code);
    };
    upgraded.set(req, response);
    return true;
  };
  // Deno has no drain event: sockets a replay waits on are polled until their queue empties.
  const drainPoll = setInterval(() => {
    for (const s of hub.sessions) {
      if (s.data.drainWaiters.length > 0 && s.getBufferedAmount() === 0) hub.onDrain(s);
    }
  }, DRAIN_POLL_MS);

  const publisher: Publisher = {
    publish(topic, data) {
      for (const s of topics.members(topic) ?? []) s.send(data);
    },
    subscriberCount: (topic) => topics.count(topic),
  };

  const fetch = drain.wrap(async (req: Request) => {
    const res = await node.app.fetch(req);
    return upgraded.get(req) ?? res;
  });
  let port = config.PORT;
  let listening: () => void = () => {};
  const listened = new Promise<void>((r) => {
    listening = r;
  });
  const tls =
    config.TLS_CERT_FILE !== undefined && config.TLS_KEY_FILE !== undefined
      ? { cert: readFileSync(config.TLS_CERT_FILE, "utf8"), key: readFileSync(config.TLS_KEY_FILE, "utf8") }
      : undefined;
  const server = Deno.serve(
    {
      port: config.PORT,
      hostname: config.HOST,
      ...tls,
      onListen: (addr) => {
        port = addr.port;
        listening();
      },
    },
    (req, info) => {
      ips.set(req, info.remoteAddr.hostname);
      return fetch(req);
    },
  );
  await listened;
  log.info("listening", {
    port,
    journal: journal.kind,
    tls: tls !== undefined,
    auth: security.access.mode,
    runtime: "deno",
  });
  await node.start(publisher, upgrade);
  log.info("ready", { journal: journal.kind });

  const stop = async () => {
    await drain.run(node, async () => {
      clearInterval(drainPoll);
      await server.shutdown();
    });
    await security.close();
  };
  return { stop, drainTimeoutMs: config.DRAIN_TIMEOUT_MS };
}

if ((import.meta as { main?: boolean }).main) await runEntry(main);
