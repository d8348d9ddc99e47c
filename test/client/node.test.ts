import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../helpers/nats.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";

const ROOT = join(import.meta.dir, "..", "..");
let srv: ServerProcess;
let bundle: string;

beforeAll(async () => {
  srv = await startServer({ HEARTBEAT_INTERVAL_MS: "60000" });
  // Inside the repository, so that Node resolves the external `ws` from node_modules.
  const out = await Bun.build({
    entrypoints: [join(import.meta.dir, "node-consumer.ts")],
    outdir: join(ROOT, "test", "artifacts", "node"),
    target: "node",
    format: "esm",
    external: ["ws"],
    naming: "[name].mjs",
  });
  if (!out.success) throw new Error(out.logs.join("\n"));
  bundle = out.outputs[0]!.path;
});
afterAll(() => srv.stop());

/** Runs the consumer under Node; resolves with its JSON lines once it received `count` messages and exited. */
async function runConsumer(url: string, feed: string, format: string) {
  const child = spawn("node", [bundle, url, feed, format, "3"], { cwd: ROOT });
  const lines: Array<Record<string, unknown>> = [];
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => {
    subscribed = r;
  });
  let buf = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const rec = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      lines.push(rec);
      if (rec.event === "subscribed") subscribed();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await Promise.race([ready, exited]);
  const res = await postMessages(srv.url, feed, [threat(1), threat(2), threat(3)]);
  const { seqs } = (await res.json()) as { seqs: number[] };
  expect(await exited).toBe(0);
  clearTimeout(timer);
  return { lines, seqs };
}

for (const format of ["json", "binary"] as const) {
  test(`Node 20 + ws (${format}): the bundled SDK subscribes and receives`, async () => {
    const { lines, seqs } = await runConsumer(srv.wsUrl, `node.${format}`, format);
    expect(lines.filter((l) => l.event === "message")).toEqual(
      seqs.map((seq, i) => ({ event: "message", seq, title: `threat ${i + 1}` })),
    );
    expect(lines.filter((l) => l.event === "error")).toEqual([]);
  });
}

test("Node 20 + ws: with a list of URLs, a dead first one is skipped for the next", async () => {
  // Nothing listens on the first port: the connect fails and the client moves to the second URL.
  const dead = `ws://127.0.0.1:${await freePort()}`;
  const { lines, seqs } = await runConsumer(`${dead},${srv.wsUrl}`, "node.failover", "json");
  expect(lines.find((l) => l.event === "subscribed")).toMatchObject({ urlIndex: 1 });
  expect(lines.filter((l) => l.event === "message").map((l) => l.seq)).toEqual(seqs);
});
