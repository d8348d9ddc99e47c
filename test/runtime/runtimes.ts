/**
 * The three runtime entries, each started the way its npm script starts it, in a child process on a
 * free port — so one suite runs against all of them.
 *
 *   for (const rt of RUNTIMES) describe(rt.name, () => { … startRuntime(rt, env) … })
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { type ServerProcess, startServer } from "../helpers/server.ts";

export const ROOT = join(import.meta.dir, "..", "..");

export interface Runtime {
  name: "bun" | "node" | "deno";
  /** The command line after any build step (relative paths are from the repo root). */
  command(): string[];
  /** Runs once per test file before the first start (Node's bundle). */
  prepare?(): void;
}

/** `npm run build:node` does exactly this; tests run it too so the bundle they start is current. */
export const NODE_BUILD = [
  "build",
  "src/runtime/node.ts",
  "--target=node",
  "--packages=external",
  "--outdir=dist",
];

export function denoBin(): string {
  const bin = process.env.DENO_BIN ?? join(ROOT, "node_modules", ".bin", "deno");
  if (!existsSync(bin))
    throw new Error(`no Deno at ${bin}: the "deno" devDependency installs it (or set DENO_BIN)`);
  return bin;
}

export const BUN: Runtime = { name: "bun", command: () => [process.execPath, "src/runtime/bun.ts"] };

export const NODE: Runtime = {
  name: "node",
  command: () => ["node", "dist/node.js"],
  prepare() {
    const out = spawnSync([process.execPath, ...NODE_BUILD], { cwd: ROOT, stderr: "pipe" });
    if (out.exitCode !== 0) throw new Error(`node bundle failed: ${out.stderr.toString()}`);
  },
};

export const DENO: Runtime = {
  name: "deno",
  command: () => [denoBin(), "run", "-A", "--no-lock", "src/runtime/deno.ts"],
};

export const RUNTIMES: readonly Runtime[] = [BUN, NODE, DENO];

export type RuntimeProcess = ServerProcess;

/** Starts `rt` on a free port and resolves once it logged `ready` (bounded by `timeoutMs`). */
export function startRuntime(
  rt: Runtime,
  env: Record<string, string> = {},
  opts: { dataDir?: string; timeoutMs?: number } = {},
): Promise<RuntimeProcess> {
  return startServer(env, { ...opts, command: rt.command() });
}
