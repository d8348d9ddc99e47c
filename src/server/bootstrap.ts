import type { NatsConnection } from "@nats-io/transport-node";
import { type Config, configWarnings, loadConfig } from "../config/config.ts";
import { DataDirLockedError } from "../journal/embedded/lock.ts";
import { EncryptedJournal } from "../journal/encrypted.ts";
import type { Journal } from "../journal/journal.ts";
import { createJournal } from "../journal/open.ts";
import { createLogger, type Logger } from "../observability/log.ts";
import { createSecurity, type Security } from "../security/access-control.ts";
import type { AuditEvent } from "../security/audit.ts";
import { proxiedClientIp } from "../security/client-ip.ts";
import { parseJsonSafe } from "../security/safe-json.ts";
import { EventBus } from "./events.ts";
import type { Plugin } from "./plugin.ts";
import { Tacstream } from "./server.ts";

export interface BootedNode {
  config: Config;
  log: Logger;
  node: Tacstream;
  journal: Journal;
  security: Security;
}

/** The node cannot start as configured (its DATA_DIR cannot be written): one line, exit 1. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** What the JetStream journal offers the node, named here so the boot path does not import NATS code. */
interface SharesConnection {
  readonly connection: NatsConnection | undefined;
}

function sharedConnection(journal: Journal): (() => NatsConnection | undefined) | undefined {
  if (journal.kind !== "jetstream" || !("connection" in journal)) return undefined;
  const shares = journal as Journal & SharesConnection;
  return () => shares.connection;
}

/**
 * Everything a runtime entry needs, built the same way on Bun, Node and Deno: validated config,
 * logger, security, the journal (encrypted at rest when keys are set) and the node with its plugins.
 * The runtime then only serves `node.app.fetch` and bridges WebSocket events to `node.hub`.
 */
export async function bootNode(
  env: Record<string, string | undefined>,
  opts: { clientIp: (req: Request) => string; plugins?: (config: Config) => Plugin[] },
): Promise<BootedNode> {
  const config = loadConfig(env);
  const log = createLogger(config.LOG_LEVEL);
  for (const warning of configWarnings(env)) log.warn(warning);
  const events = new EventBus();
  const security = await createSecurity(config, log, events);
  const base = await createJournal(config, log);
  const journal =
    security.cipher === undefined
      ? base
      : new EncryptedJournal(base, security.cipher, ({ feedId, seq, error }) =>
          log.error("stored message cannot be decrypted: answered as DAMAGED_RECORD", {
            feedId,
            seq,
            code: error.code,
            reason: error.reason,
          }),
        );
  // A data directory that cannot be written (full, read-only, not a directory) will not fix itself:
  // refuse in one line before listening, not with a stack trace after it. JetStream opens later, so a
  // node can wait for NATS while serving /health.
  if (journal.kind === "embedded") {
    try {
      await journal.open();
    } catch (err) {
      if (err instanceof DataDirLockedError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new StartupError(`cannot start: ${reason}`, { cause: err });
    }
  }
  const audit = security.audit;
  // The JetStream journal's connection (under the encryption wrapper): the plugins' one connection.
  const nats = sharedConnection(base);
  const node = new Tacstream({
    config,
    journal,
    logger: log,
    access: security.access,
    events,
    clientIp: clientIpFrom(config.CLIENT_IP_HEADER, opts.clientIp),
    corsOrigin: (o) => security.origin.corsOrigin(o),
    parseJson: (text) => parseJsonSafe(text, { forbiddenKeys: "reject" }),
    ...(audit === undefined ? {} : { audit: (e: AuditEvent) => audit.log(e) }),
    ...(security.cipher === undefined ? {} : { cipher: security.cipher }),
    ...(nats === undefined ? {} : { nats }),
    plugins: opts.plugins?.(config) ?? [],
  });
  return { config, log, node, journal, security };
}

/**
 * Behind a proxy every socket comes from the proxy's address, so per-IP limits and audit lines would all
 * name it; CLIENT_IP_HEADER names the header the proxy puts the client's address in (Fly: fly-client-ip).
 * Only set it behind such a proxy: a client reaching the node directly could otherwise choose its address.
 * Of a list (x-forwarded-for) the rightmost entry is taken: the one our proxy appended.
 */
function clientIpFrom(
  header: string | undefined,
  socketIp: (req: Request) => string,
): (req: Request) => string {
  if (header === undefined) return socketIp;
  return (req) => proxiedClientIp(req.headers.get(header)) ?? socketIp(req);
}
