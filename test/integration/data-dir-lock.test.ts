import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";

const ROOT = join(import.meta.dir, "..", "..");

describe("two processes on one DATA_DIR", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tacstream-lock-"));
  const started: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of started) await s.stop({ keepData: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("the second refuses with one line naming the holder; after a SIGKILL a restart starts", async () => {
    const first = await startServer({}, { dataDir });
    started.push(first);
    const second = spawn([process.execPath, join(ROOT, "src/runtime/bun.ts")], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "silent" },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const code = await second.exited;
    const stderr = (await new Response(second.stderr).text()).trim();
    expect(code).not.toBe(0);
    expect(stderr.split("\n")).toHaveLength(1);
    expect(stderr).toContain(`pid ${first.proc.pid}`);

    const res = await postMessages(first.url, "alpha", threat(1));
    expect(res.status).toBe(202);
    await first.kill("SIGKILL");
    const again = await startServer({}, { dataDir });
    started.push(again);
    const replay = await fetch(`${again.url}/v1/feeds/alpha/messages?since=0`);
    expect(replay.status).toBe(200);
  });
});
