/**
 * The Bun entry with extra plugins, for tests of plugins the runtime does not mount by default.
 * In process: `const n = await startNode(env, [myPlugin()])`; as a child process (so tests can SIGKILL
 * it): `startServer(env, { entry: "test/helpers/in-process.ts" })`, which mounts the defaults.
 */
import { type BunNode, main } from "../../src/runtime/bun.ts";
import { runEntry } from "../../src/runtime/shared.ts";
import type { Plugin } from "../../src/server/plugin.ts";
import { defaultPlugins } from "../../src/server/plugins.ts";

export type InProcessNode = BunNode;

export function startNode(env: Record<string, string | undefined>, extra: Plugin[]): Promise<InProcessNode> {
  return main(env, (c) => {
    // An extra plugin replaces the default one of the same name (a test configures it differently).
    const base = defaultPlugins(c).filter((b) => !extra.some((p) => p.name === b.name));
    return [...base, ...extra];
  });
}

if (import.meta.main) await runEntry((env) => main(env));
