import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { postMessages, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

const KEYS = `k:${Buffer.alloc(32, 11).toString("base64")}`;

/** Issue 15: with ENCRYPTION_KEYS set, live subscribers and replays get plain frames; the disk does not. */
test("encrypted at rest: two live subscribers and a replay see the plaintext, the segment files never", async () => {
  const srv = await startServer({ ENCRYPTION_KEYS: KEYS, HEARTBEAT_INTERVAL_MS: "60000" });
  try {
    const subs = await Promise.all([0, 1].map(() => openSocket(`${srv.wsUrl}/v1/stream`)));
    for (const s of subs) {
      s.send({ op: "subscribe", feeds: ["sealed"] });
      await s.nextJson();
    }
    const titles = Array.from({ length: 5 }, (_, i) => `plaintext-marker-${i}`);
    const res = await postMessages(
      srv.url,
      "sealed",
      titles.map((title, i) => threat(i, { title })),
    );
    expect(res.status).toBe(202);
    const { seqs } = (await res.json()) as { seqs: number[] };
    for (const s of subs) {
      const got: Array<{ seq: number; title: string }> = [];
      while (got.length < titles.length) {
        const m = await s.nextJson<{ seq: number; payload: { title: string } }>();
        got.push({ seq: m.seq, title: m.payload.title });
      }
      expect(got).toEqual(titles.map((title, i) => ({ seq: seqs[i]!, title })));
      s.close();
    }
    const replay = await fetch(`${srv.url}/v1/feeds/sealed/messages?since=0`);
    const body = (await replay.json()) as { messages: Array<{ payload: { title: string } }> };
    expect(body.messages.map((m) => m.payload.title)).toEqual(titles);
    const dir = join(srv.dataDir, "journal");
    const onDisk = readdirSync(dir)
      .filter((n) => n.endsWith(".seg"))
      .map((n) => readFileSync(join(dir, n)).toString("latin1"))
      .join("");
    expect(onDisk.length).toBeGreaterThan(0);
    expect(onDisk.includes("plaintext-marker")).toBe(false);
  } finally {
    await srv.stop();
  }
});
