/**
 * Test helpers for the feeds plugin: an in-process node started by the Bun entry (src/runtime/bun.ts)
 * with the plugin under test, and a real upstream HTTP server whose routes a test sets and whose
 * requests it reads.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FeedsPlugin } from "../../../src/ingest/feeds/mod.ts";
import type { StoredMessage } from "../../../src/journal/journal.ts";
import { frameToJsonText } from "../../../src/protocol/json.ts";
import { main } from "../../../src/runtime/bun.ts";
import type { Plugin } from "../../../src/server/plugin.ts";
import type { Tacstream } from "../../../src/server/server.ts";

export { FIXTURES } from "../parsers/fixtures.ts";

import { FIXTURES } from "../parsers/fixtures.ts";
export const fixture = (...p: string[]): Uint8Array<ArrayBuffer> =>
  new Uint8Array(readFileSync(join(FIXTURES, ...p)));

export interface TestNode {
  url: string;
  node: Tacstream;
  plugin: FeedsPlugin;
  dataDir: string;
  /** Every message of `feedId` in the journal, decoded. */
  messages(
    feedId: string,
  ): Promise<
    Array<{ id: string; seq: number; priority: string; timestamp: number; payload: Record<string, unknown> }>
  >;
  /** Stops the node; the data directory stays unless `removeData`. */
  stop(removeData?: boolean): Promise<void>;
}

const created: string[] = [];

/** Removes every directory `tempDir` made (call it from `afterAll`). */
export function removeTempDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh directory under the system temp dir. */
export function tempDir(prefix = "tacstream-feeds-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * A node with `plugin` mounted, started by the Bun entry itself on 127.0.0.1:0; `env` goes through
 * loadConfig like the real one; `before` are mounted ahead of it (the metrics plugin).
 */
export async function startNode(
  plugin: FeedsPlugin,
  opts: { env?: Record<string, string>; dataDir?: string; before?: Plugin[] } = {},
): Promise<TestNode> {
  const dataDir = opts.dataDir ?? tempDir();
  const env = {
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    HEARTBEAT_INTERVAL_MS: "60000",
    LOG_LEVEL: "silent",
  };
  const running = await main({ ...env, ...opts.env }, () => [...(opts.before ?? []), plugin]);
  const journal = running.node.journal;
  let stopped = false;
  return {
    url: running.url,
    node: running.node,
    plugin,
    dataDir,
    async messages(feedId) {
      const out: StoredMessage[] = [];
      for (let after = 0; ; ) {
        const page = await journal.read(feedId, after, 1000);
        if (page.length === 0) break;
        out.push(...page);
        after = page.at(-1)!.seq;
      }
      return out.map((m) => JSON.parse(frameToJsonText(m.frame)));
    },
    async stop(removeData = false) {
      if (!stopped) {
        stopped = true;
        await running.stop();
      }
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Upstream {
  url: string;
  /** Paths requested so far, with their query, in order; and their request headers. */
  requests: Array<{ path: string; headers: Headers }>;
  /** Sets what a path answers (the path without query). */
  route(path: string, handler: (req: Request) => Response | Promise<Response>): void;
  stop(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that answers what the test sets per path; 404 for the rest. */
export function startUpstream(): Upstream {
  const routes = new Map<string, (req: Request) => Response | Promise<Response>>();
  const requests: Upstream["requests"] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 30,
    fetch(req) {
      const u = new URL(req.url);
      // Copied, so what a test reads later is exactly what arrived.
      requests.push({ path: `${u.pathname}${u.search}`, headers: new Headers(req.headers) });
      const h = routes.get(u.pathname);
      return h === undefined ? new Response("not found", { status: 404 }) : h(req);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    route: (path, handler) => {
      routes.set(path, handler);
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}
