import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BENCH = join(import.meta.dir, "..");

/** Node-side programs of the suite, written in TypeScript and bundled for Node 20 (no type stripping). */
export const NODE_ENTRIES = {
  subscriber: join(BENCH, "clients/subscriber.ts"),
  wsBroadcast: join(BENCH, "baselines/ws-broadcast.ts"),
  socketioBroadcast: join(BENCH, "baselines/socketio-broadcast.ts"),
} as const;
export type NodeEntry = keyof typeof NODE_ENTRIES;

export interface NodeBuild {
  path(entry: NodeEntry): string;
  cleanup(): void;
}

/** Bundles every Node entry (dependencies included) into a temporary directory, once per run. */
export async function buildNodePrograms(): Promise<NodeBuild> {
  const outdir = mkdtempSync(join(tmpdir(), "tacstream-bench-node-"));
  const res = await Bun.build({
    entrypoints: Object.values(NODE_ENTRIES),
    target: "node",
    format: "esm",
    outdir,
    naming: "[name].mjs",
  });
  if (!res.success) {
    rmSync(outdir, { recursive: true, force: true });
    throw new Error(`cannot bundle the Node programs: ${res.logs.map(String).join("\n")}`);
  }
  return {
    path: (entry) => join(outdir, `${NODE_ENTRIES[entry].split("/").pop()!.replace(/\.ts$/, "")}.mjs`),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
