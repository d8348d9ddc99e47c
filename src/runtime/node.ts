/**
 * The Node entry point: `npm run start:node` bundles this file (Node 20 cannot strip types) and runs
 * `node dist/node.js`. @hono/node-server serves HTTP; WebSockets are served by a `ws` server of our own.
 *
 * Why not @hono/node-ws: it re-runs the app on a copy of the request holding only its headers, and
 * hands back a `WSContext` without the buffered amount, drain or ping/pong the hub needs. Here the
 * `upgrade` event runs the real route (authentication, query validation, 503 while draining) and the
 * `ws` socket is adapted to the hub's `HubSocket`, with topics kept in a `TopicSets`.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { WebSocket, WebSocketServer } from "ws";
import type { Upgrade } from "../hub/routes.ts";
import type { SessionState } from "../hub/session.ts";
import type { HubSocket, Publisher } from "../hub/socket.ts";
import { bootNode } from "../server/bootstrap.ts";
import { defaultPlugins } from "../server/plugins.ts";
import { wsErrorCloseCode } from "./close-codes.ts";
import { Drain, type Running, runEntry, TopicSets } from "./shared.ts";

type UpgradeInit = Parameters<Upgrade>[1];

class NodeSocket implements HubSocket<SessionState> {
  /**
   * The code this side closed with: `ws` reports the peer's answer instead, or 1006 when none came,
   * where Bun (and the metrics) report the code the server sent.
   */
  sentCode: number | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly tcp: Socket,
    readonly data: SessionState,
    private readonly topics: TopicSets<NodeSocket>,
    private readonly hardLimit: number,
  ) {}

  send(data: string | Uint8Array): number {
    return this.sendFrame(data, typeof data !== "string");
  }

  /** Bun's contract: bytes written, 0 dropped, -1 queued under backpressure. */
  sendFrame(payload: string | Uint8Array, binary: boolean): number {
    if (this.ws.readyState !== WebSocket.OPEN) return 0;
    this.ws.send(payload, { binary });
    const queued = this.ws.bufferedAmount;
    // Bun's closeOnBackpressureLimit, at twice the hub's limit: the hard stop for a burst between
    // two sweeps. The close frame could not get through a full queue, so the socket is cut.
    if (queued > this.hardLimit) {
      this.ws.terminate();
      return 0;
    }
    return queued > 0 ? -1 : payload.length;
  }

  subscribe(topic: string): void {
    this.topics.add(this, topic);
  }

  unsubscribe(topic: string): void {
    this.topics.remove(this, topic);
  }

  close(code?: number, reason?: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.sentCode ??= code ?? 1005;
    this.ws.close(code, reason);
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  getBufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/**
 * Publishes like Bun: a string is encoded once and its bytes go to every subscriber as a text frame,
 * and each socket is corked until the end of the fan-out turn, so a batch costs one write per socket,
 * not one per message.
 */
class NodePublisher implements Publisher {
  readonly #corked = new Set<Socket>();
  constructor(private readonly topics: TopicSets<NodeSocket>) {}

  publish(topic: string, data: string | Uint8Array): void {
    const members = this.topics.members(topic);
    if (members === undefined) return;
    const binary = typeof data !== "string";
    const bytes = binary ? data : Buffer.from(data);
    for (const s of members) {
      if (!this.#corked.has(s.tcp)) {
        if (this.#corked.size === 0) queueMicrotask(() => this.#uncork());
        s.tcp.cork();
        this.#corked.add(s.tcp);
      }
      s.sendFrame(bytes, binary);
    }
  }

  subscriberCount(topic: string): number {
    return this.topics.count(topic);
  }

  #uncork(): void {
    for (const tcp of this.#corked) tcp.uncork();
    this.#corked.clear();
  }
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<Running> {
  const ips = new WeakMap<Request, string>();
  const { config, log, node, journal, security } = await bootNode(env, {
    clientIp: (req) => ips.get(req) ?? "",
    plugins: defaultPlugins,
  });
  const hub = node.hub;
  const drain = new Drain({ timeoutMs: config.DRAIN_TIMEOUT_MS, log });
  const fetch = drain.wrap(
    (req: Request, nodeEnv?: { incoming?: { socket: { remoteAddress?: string } } }) => {
      const ip = nodeEnv?.incoming?.socket.remoteAddress;
      if (ip !== undefined) ips.set(req, ip);
      return node.app.fetch(req, nodeEnv);
    },
  );

  const topics = new TopicSets<NodeSocket>();
  // The route calls `upgrade` with the very Request we built from the `upgrade` event; this map
  // carries its answer (session state, headers) back to the event handler.
  const pending = new Map<Request, { init?: UpgradeInit }>();
  const protocols = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.MAX_PAYLOAD,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => protocols.get(req) ?? false,
  });
  const upgrade: Upgrade = (req, init) => {
    const slot = pending.get(req);
    if (slot === undefined) return false;
    slot.init = init;
    return true;
  };

  const onUpgrade = async (incoming: IncomingMessage, tcp: Socket, head: Buffer): Promise<void> => {
    const req = toRequest(incoming);
    ips.set(req, tcp.remoteAddress ?? "");
    const slot: { init?: UpgradeInit } = {};
    pending.set(req, slot);
    let res: Response;
    try {
      res = await fetch(req);
    } finally {
      pending.delete(req);
    }
    const init = slot.init;
    if (init === undefined || res.status !== 200) {
      await writeResponse(tcp, res);
      return;
    }
    const extra = Object.entries(init.headers ?? {});
    const proto = extra.find(([k]) => k.toLowerCase() === "sec-websocket-protocol")?.[1];
    if (proto !== undefined) protocols.set(incoming, proto);
    // `ws` drops a handshake it refuses without calling back: the slot must not outlive the TCP socket.
    tcp.once("close", () => init.data.release?.());
    wss.handleUpgrade(incoming, tcp, head, (ws) => {
      const s = new NodeSocket(ws, tcp, init.data, topics, config.BACKPRESSURE_LIMIT * 2);
      ws.on("message", (msg: Buffer, isBinary: boolean) =>
        hub.onMessage(
          s,
          isBinary ? new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength) : msg.toString(),
        ),
      );
      ws.on("pong", () => hub.onPong(s));
      ws.on("close", (code: number) => {
        topics.removeAll(s);
        hub.onClose(s, s.sentCode ?? code);
      });
      ws.on("error", (err: Error) => {
        // A refused frame: `ws` sent this code and will report 1006.
        s.sentCode ??= wsErrorCloseCode(err);
        log.debug("websocket error", { err });
      });
      tcp.on("drain", () => hub.onDrain(s));
      hub.onOpen(s);
    });
  };

  const tls =
    config.TLS_CERT_FILE !== undefined && config.TLS_KEY_FILE !== undefined
      ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) }
      : undefined;
  const listen = { fetch, port: config.PORT, hostname: config.HOST };
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const srv = serve(
      tls === undefined ? listen : { ...listen, createServer: createHttpsServer, serverOptions: tls },
      () => resolve(srv),
    );
    // A listen failure (port in use) arrives as an event; without this it is an uncaught stack trace.
    srv.once("error", reject);
  });
  server.on("upgrade", (incoming: IncomingMessage, tcp: Socket, head: Buffer) => {
    onUpgrade(incoming, tcp, head).catch((err) => {
      log.error("upgrade failed", { err });
      tcp.destroy();
    });
  });
  const addr = server.address();
  log.info("listening", {
    port: typeof addr === "object" && addr !== null ? addr.port : config.PORT,
    journal: journal.kind,
    tls: tls !== undefined,
    auth: security.access.mode,
    runtime: "node",
  });
  await node.start(new NodePublisher(topics), upgrade);
  log.info("ready", { journal: journal.kind });

  const stop = async () => {
    await drain.run(node, async () => {
      for (const ws of wss.clients) ws.terminate();
      const closed = new Promise<void>((r) => server.close(() => r()));
      if ("closeAllConnections" in server) server.closeAllConnections();
      await closed;
    });
    await security.close();
  };
  return { stop, drainTimeoutMs: config.DRAIN_TIMEOUT_MS };
}

function toRequest(incoming: IncomingMessage): Request {
  const headers = new Headers();
  for (const [k, val] of Object.entries(incoming.headers)) {
    if (val === undefined) continue;
    for (const one of Array.isArray(val) ? val : [val]) headers.append(k, one);
  }
  const host = incoming.headers.host ?? "localhost";
  return new Request(new URL(incoming.url ?? "/", `http://${host}`), {
    method: incoming.method ?? "GET",
    headers,
  });
}

/** An upgrade refused by the app (401, 403, 422, 503…) still gets its full HTTP answer. */
async function writeResponse(tcp: Socket, res: Response): Promise<void> {
  const body = Buffer.from(await res.arrayBuffer());
  let head = `HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ""}\r\n`;
  res.headers.forEach((val, key) => {
    if (key !== "content-length" && key !== "connection") head += `${key}: ${val}\r\n`;
  });
  head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  tcp.end(Buffer.concat([Buffer.from(head), body]));
}

/** Node 20 has no `import.meta.main`; the bundle is the main module when it is the script node ran. */
function isMain(): boolean {
  const meta = import.meta as { main?: boolean };
  if (meta.main !== undefined) return meta.main;
  const script = process.argv[1];
  return script !== undefined && import.meta.url === pathToFileURL(script).href;
}

if (isMain()) await runEntry(main);
