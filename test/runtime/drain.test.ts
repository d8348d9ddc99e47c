/**
 * Graceful drain on SIGTERM, on every runtime: new work gets 503, connected clients get everything
 * that was acknowledged and then 1012, the process exits 0 within DRAIN_TIMEOUT_MS, and a client that
 * resumes with `since` (on the restarted node) misses nothing and sees nothing twice.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postMessages } from "../helpers/server.ts";
import { openSocket, type TestSocket } from "../helpers/ws.ts";
import { heldPost, rawUpgrade } from "./raw.ts";
import { RUNTIMES, type RuntimeProcess, startRuntime } from "./runtimes.ts";

type Json = Record<string, unknown>;
const DRAIN_MS = 8_000;
const ENV = { HEARTBEAT_INTERVAL_MS: "60000", DRAIN_TIMEOUT_MS: String(DRAIN_MS) };

/** Posts one message at a time until the node refuses (503) or is gone; returns the acked seqs. */
async function postUntilRefused(url: string, feed: string, refused: number[]): Promise<number[]> {
  const acked: number[] = [];
  for (let i = 0; ; i++) {
    let res: Response;
    try {
      res = await postMessages(url, feed, { priority: "high", payload: i });
    } catch {
      return acked;
    }
    if (res.status !== 202) {
      refused.push(res.status);
      return acked;
    }
    acked.push(...((await res.json()) as { seqs: number[] }).seqs);
  }
}

/** Every data message's seq until the socket closes; the close code last. */
async function drainSocket(s: TestSocket): Promise<{ seqs: number[]; code: number }> {
  const seqs: number[] = [];
  const { code } = await s.closed;
  for (const m of s.received) {
    if (typeof m !== "string") continue;
    const j = JSON.parse(m) as Json;
    if (j.type === "data") seqs.push(j.seq as number);
  }
  return { seqs, code };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

for (const rt of RUNTIMES) {
  describe(`${rt.name} runtime`, () => {
    test("SIGTERM drains: 503 for new work, 1012 after every ack is delivered, exit 0, resume loses nothing", async () => {
      rt.prepare?.();
      const dataDir = mkdtempSync(join(tmpdir(), `tacstream-drain-${rt.name}-`));
      dirs.push(dataDir);
      const a: RuntimeProcess = await startRuntime(rt, ENV, { dataDir });
      const client = await openSocket(`${a.wsUrl}/v1/stream?feeds=drain`);
      expect(await client.nextJson()).toMatchObject({ op: "subscribe" });

      const refused: number[] = [];
      const posting = postUntilRefused(a.url, "drain", refused);
      for (let i = 0; i < 20; i++) await client.next();
      // An ingest in flight when SIGTERM comes: the drain must wait for it (and holds open meanwhile).
      const held = await heldPost(
        a.port,
        "/v1/feeds/drain/messages",
        JSON.stringify({ priority: "low", payload: "held" }),
      );
      // A request answered after the held one was sent means the server has read that one's head.
      expect((await fetch(`${a.url}/health`)).status).toBe(200);
      const t0 = Date.now();
      a.proc.kill("SIGTERM");
      expect((await a.logged("draining")).inflight).toBeGreaterThanOrEqual(1);

      const late = await postMessages(a.url, "drain", { priority: "high", payload: "late" });
      expect(late.status).toBe(503);
      expect(late.headers.get("retry-after")).toBe("1");
      expect(await late.json()).toMatchObject({ error: { code: "UNAVAILABLE" } });
      expect((await fetch(`${a.url}/ready`)).status).toBe(503);
      expect((await fetch(`${a.url}/health`)).status).toBe(200);
      expect((await rawUpgrade(a.port, "/v1/stream?feeds=drain")).status).toBe(503);

      const acked = await posting;
      const finished = await held.finish();
      expect(finished.status).toBe(202);
      acked.push(...(finished.body.seqs as number[]));
      const got = await drainSocket(client);
      expect(got.code).toBe(1012);
      expect(await a.proc.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(DRAIN_MS);
      expect(refused.every((s) => s === 503)).toBe(true);
      // Flushed before the close: every acknowledged message was delivered, once, in order.
      expect(got.seqs).toEqual(acked);

      const b = await startRuntime(rt, ENV, { dataDir });
      try {
        const last = got.seqs.at(-1)!;
        const more = (await (
          await postMessages(
            b.url,
            "drain",
            Array.from({ length: 5 }, (_, i) => ({ priority: "high", payload: `after ${i}` })),
          )
        ).json()) as { seqs: number[] };
        const resumed = await openSocket(`${b.wsUrl}/v1/stream`);
        resumed.send({ op: "subscribe", feeds: ["drain"], since: { drain: last } });
        expect(await resumed.nextJson()).toMatchObject({ feeds: { drain: { recovered: true } } });
        const seqs: number[] = [];
        while (seqs.length < 5) seqs.push((await resumed.nextJson<Json>()).seq as number);
        expect(seqs).toEqual(more.seqs);
        resumed.close();
      } finally {
        await b.stop({ keepData: true });
      }
    });
  });
}
