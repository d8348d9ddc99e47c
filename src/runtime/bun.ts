/**
 * The Bun entry point: `bun src/runtime/bun.ts` (`npm start`). Hono serves HTTP and authenticates the
 * upgrade; the WebSocket itself is served by this handler so that Bun's native topic publish,
 * backpressure and `drain` are ours.
 */
import type { ServerWebSocket } from "bun";
import { ConfigError, loadConfig } from "../config/config.ts";
import type { SessionState } from "../hub/session.ts";
import { createJournal } from "../journal/open.ts";
import { createLogger } from "../observability/log.ts";
import { CloseCode } from "../protocol/errors.ts";
import { Tacstream } from "../server/server.ts";

export async function main(
  env: Record<string, string | undefined> = process.env,
): Promise<() => Promise<void>> {
  const config = loadConfig(env);
  const log = createLogger(config.LOG_LEVEL);
  const journal = await createJournal(config, log);
  let server: ReturnType<typeof Bun.serve<SessionState, never>> | undefined;
  const node = new Tacstream({
    config,
    journal,
    logger: log,
    clientIp: (req) => server?.requestIP(req)?.address ?? "",
  });
  const hub = node.hub;
  type Ws = ServerWebSocket<SessionState>;

  server = Bun.serve<SessionState, never>({
    port: config.PORT,
    hostname: config.HOST,
    fetch: (req, srv) => node.app.fetch(req, srv),
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
      close: (ws: Ws, code) => hub.onClose(ws, code),
      drain: (ws: Ws) => hub.onDrain(ws),
      pong: (ws: Ws) => hub.onPong(ws),
    },
  });
  const srv = server;
  log.info("listening", { port: srv.port, journal: journal.kind });
  await node.start(
    { publish: (t, d) => void srv.publish(t, d), subscriberCount: (t) => srv.subscriberCount(t) },
    (req, init) => srv.upgrade(req, init),
  );
  log.info("ready", { journal: journal.kind });

  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      srv.stop();
      await node.stop(CloseCode.ServiceRestart);
      await srv.stop(true);
    })();
    return stopping;
  };
}

if (import.meta.main) {
  try {
    const stop = await main();
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      process.once(sig, () => {
        stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      });
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`tacstream: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}
