/**
 * The Bun entry point: `bun src/runtime/bun.ts` (`npm start`). Hono serves HTTP and authenticates the
 * upgrade; the WebSocket itself is served by this handler so that Bun's native topic publish,
 * backpressure and `drain` are ours.
 */
import type { ServerWebSocket } from "bun";
import type { Config } from "../config/config.ts";
import type { SessionState } from "../hub/session.ts";
import { bootNode } from "../server/bootstrap.ts";
import type { Plugin } from "../server/plugin.ts";
import { defaultPlugins } from "../server/plugins.ts";
import type { Tacstream } from "../server/server.ts";
import { wireCloseCode } from "./bun-close.ts";
import { Drain, type Running, runEntry } from "./shared.ts";

type Ws = ServerWebSocket<SessionState>;

export interface BunNode extends Running {
  port: number;
  url: string;
  node: Tacstream;
}

/** Starts a node on Bun; `plugins` replaces the default plugin list (tests mount extra ones). */
export async function main(
  env: Record<string, string | undefined> = process.env,
  plugins: (config: Config) => Plugin[] = defaultPlugins,
): Promise<BunNode> {
  let server: ReturnType<typeof Bun.serve<SessionState, never>> | undefined;
  const { config, log, node, journal, security } = await bootNode(env, {
    clientIp: (req) => server?.requestIP(req)?.address ?? "",
    plugins,
  });
  const hub = node.hub;
  const drain = new Drain({ timeoutMs: config.DRAIN_TIMEOUT_MS, log });
  const fetch = drain.wrap((req: Request, srv: unknown) => node.app.fetch(req, srv));
  const tls =
    config.TLS_CERT_FILE !== undefined && config.TLS_KEY_FILE !== undefined
      ? { cert: Bun.file(config.TLS_CERT_FILE), key: Bun.file(config.TLS_KEY_FILE) }
      : undefined;

  server = Bun.serve<SessionState, never>({
    port: config.PORT,
    hostname: config.HOST,
    ...(tls === undefined ? {} : { tls }),
    fetch,
    websocket: {
      maxPayloadLength: config.MAX_PAYLOAD,
      // The hub closes a slow consumer with 4008 once it passes BACKPRESSURE_LIMIT; Bun's own limit, at
      // twice that, is the hard stop for a burst between two checks — nothing is ever silently dropped.
      backpressureLimit: config.BACKPRESSURE_LIMIT * 2,
      closeOnBackpressureLimit: true,
      idleTimeout: 0,
      sendPings: false,
      perMessageDeflate: false,
      open: (ws: Ws) => hub.onOpen(ws),
      message: (ws: Ws, msg) => hub.onMessage(ws, msg),
      close: (ws: Ws, code, reason) => hub.onClose(ws, wireCloseCode(code, reason)),
      drain: (ws: Ws) => hub.onDrain(ws),
      pong: (ws: Ws) => hub.onPong(ws),
    },
  });
  const srv = server;
  log.info("listening", {
    port: srv.port,
    journal: journal.kind,
    tls: tls !== undefined,
    auth: security.access.mode,
  });
  await node.start(
    { publish: (t, d) => void srv.publish(t, d), subscriberCount: (t) => srv.subscriberCount(t) },
    (req, init) => srv.upgrade(req, init),
  );
  log.info("ready", { journal: journal.kind });
  return {
    port: srv.port ?? 0,
    node,
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${srv.port}`,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    stop: async () => {
      await drain.run(node, () => srv.stop(true));
      await security.close();
    },
  };
}

if (import.meta.main) await runEntry((env) => main(env));
