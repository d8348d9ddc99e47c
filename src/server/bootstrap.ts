import { type Config, loadConfig } from "../config/config.ts";
import { EncryptedJournal } from "../journal/encrypted.ts";
import type { Journal } from "../journal/journal.ts";
import { createJournal } from "../journal/open.ts";
import { createLogger, type Logger } from "../observability/log.ts";
import { createSecurity, type Security } from "../security/access-control.ts";
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
  const events = new EventBus();
  const security = await createSecurity(config, log, events);
  const base = await createJournal(config, log);
  const journal = security.cipher === undefined ? base : new EncryptedJournal(base, security.cipher);
  const audit = security.audit;
  const node = new Tacstream({
    config,
    journal,
    logger: log,
    access: security.access,
    events,
    clientIp: opts.clientIp,
    corsOrigin: (o) => security.origin.corsOrigin(o),
    parseJson: (text) => parseJsonSafe(text, { forbiddenKeys: "reject" }),
    ...(audit === undefined
      ? {}
      : {
          onPublished: (e: { sub: string; feedId: string; grant: string; count: number; ip: string }) =>
            audit.log({ event: "publish", ...e }),
        }),
    plugins: opts.plugins?.(config) ?? [],
  });
  return { config, log, node, journal, security };
}
