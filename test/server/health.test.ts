import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import { EmbeddedJournal } from "../../src/journal/embedded/mod.ts";
import { segmentFileName } from "../../src/journal/embedded/segment.ts";
import { createLogger } from "../../src/observability/log.ts";
import { Tacstream } from "../../src/server/server.ts";

/**
 * Liveness vs readiness: a journal that failed a write probes a reopen by itself, so /health stays 200
 * (a restart would only drop connections), /ready and ingest answer 503, reads keep serving, and writes
 * come back when the disk does.
 */
test("a journal that cannot write: /health 200, /ready and ingest 503, reads served, recovery without restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-health-"));
  let recovered!: () => void;
  const back = new Promise<void>((r) => {
    recovered = r;
  });
  const journal = new EmbeddedJournal({
    dir,
    segmentBytes: 4096,
    reopenProbeMs: 10,
    onRecovered: () => recovered(),
  });
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
    const full = join(dir, segmentFileName(seqs.at(-1)! + 1));
    symlinkSync("/dev/full", full);
    expect((await post(2)).status).toBe(503);
    const health = await node.app.fetch(new Request("http://x/health"));
    expect(health.status).toBe(200);
    const ready = await node.app.fetch(new Request("http://x/ready"));
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toContain("ENOSPC");
    const read = await node.app.fetch(new Request("http://x/v1/feeds/a/messages?since=0"));
    expect(read.status).toBe(200);
    expect(((await read.json()) as { messages: Array<{ seq: number }> }).messages.map((m) => m.seq)).toEqual(
      seqs,
    );
    unlinkSync(full);
    await back;
    expect((await post(2)).status).toBe(202);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
