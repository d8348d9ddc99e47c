import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import { EmbeddedJournal } from "../../src/journal/embedded/mod.ts";
import { segmentFileName } from "../../src/journal/embedded/segment.ts";
import { createLogger } from "../../src/observability/log.ts";
import { Tacstream } from "../../src/server/server.ts";

/**
 * Liveness vs readiness: a journal that failed a write cannot recover by itself (only reopening the
 * files tells what is on disk), so /health fails and an orchestrator restarts the node; ingest gets 503.
 */
test("a journal that cannot write fails /health as well as /ready, and ingest answers 503", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-health-"));
  const journal = new EmbeddedJournal({ dir, segmentBytes: 4096 });
  const node = new Tacstream({
    config: loadConfig({ DATA_DIR: dir }),
    journal,
    logger: createLogger("silent"),
  });
  await node.start({ publish: () => {}, subscriberCount: () => 0 }, () => false);
  const post = (n: number) =>
    node.app.fetch(
      new Request("http://x/v1/feeds/a/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(
          Array.from({ length: n }, () => ({ priority: "low", payload: "x".repeat(200) })),
        ),
      }),
    );
  try {
    const first = await post(20);
    expect(first.status).toBe(202);
    const { seqs } = (await first.json()) as { seqs: number[] };
    // The next group rolls to a new segment whose file is /dev/full: the write fails with ENOSPC.
    symlinkSync("/dev/full", join(dir, segmentFileName(seqs.at(-1)! + 1)));
    expect((await post(2)).status).toBe(503);
    const health = await node.app.fetch(new Request("http://x/health"));
    expect(health.status).toBe(503);
    expect(((await health.json()) as { reason: string }).reason).toContain("write failed");
    expect((await node.app.fetch(new Request("http://x/ready"))).status).toBe(503);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
