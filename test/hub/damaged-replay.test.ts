import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { connect, type GapEvent, type TacstreamClient } from "../../src/client/mod.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";
import { collect, nextEvent } from "../client/support.ts";
import { freePort } from "../helpers/nats.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

function segmentFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".seg"))
    .map((e) => join(e.parentPath, e.name));
}

/** Flips one bit inside the first occurrence of `marker` in the segment files (bit rot on a live node). */
function rot(dir: string, marker: string): void {
  for (const file of segmentFiles(dir)) {
    const at = readFileSync(file).indexOf(marker);
    if (at < 0) continue;
    const byte = readFileSync(file)[at]! ^ 0x01;
    const fd = openSync(file, "r+");
    writeSync(fd, new Uint8Array([byte]), 0, 1, at);
    closeSync(fd);
    return;
  }
  throw new Error(`${marker} not found in any segment`);
}

describe("a record damaged on disk after the journal opened", () => {
  test("HTTP replay answers a typed error entry; JSON and binary SDKs report a gap and deliver the rest", async () => {
    const port = await freePort();
    // No hub cache: the replay must come from the journal's files, like any history older than the cache.
    const env = { PORT: String(port), HEARTBEAT_INTERVAL_MS: "60000", RECENT_CACHE_BYTES: "0" };
    let srv: ServerProcess = await startServer(env);
    const dataDir = srv.dataDir;
    cleanup.push(() => srv.stop());
    const res = await postMessages(srv.url, "rot", [threat(1), threat(2), threat(3)]);
    const { seqs } = (await res.json()) as { seqs: number[] };
    // A clean restart empties the journal's frame cache; recovery checks the files and finds them whole.
    await srv.stop({ keepData: true });
    srv = await startServer(env, { dataDir });
    rot(dataDir, '"threat 2"');

    const page = await fetch(`${srv.url}/v1/feeds/rot/messages?since=0`);
    const body = JSON.parse(await page.text()) as {
      epoch: string;
      next: number;
      messages: Array<Record<string, unknown>>;
    };
    expect(body.messages.map((m) => m.seq)).toEqual(seqs);
    expect(body.messages[1]).toMatchObject({
      seq: seqs[1],
      error: { code: "DAMAGED_RECORD", reason: "checksum" },
    });
    expect(JSON.stringify(body)).not.toContain("threat 2");
    expect(body.next).toBe(seqs[2]!);

    for (const format of ["json", "binary"] as const) {
      const c: TacstreamClient = connect({ url: srv.wsUrl, format, backoff: { minMs: 20, maxMs: 200 } });
      cleanup.push(() => c.close());
      const gaps: GapEvent[] = [];
      const errors: unknown[] = [];
      c.on("gap", (g) => gaps.push(g));
      c.on("error", (e) => errors.push(e));
      const sub = collect(c, "rot", { from: { seq: 0, epoch: body.epoch } });
      await nextEvent(c, "subscribed", (e) => e.feedId === "rot");
      await sub.count(2);
      const got = sub.got as StreamMessage<{ title: string }>[];
      expect(got.map((m) => m.seq)).toEqual([seqs[0]!, seqs[2]!]);
      expect(got.map((m) => m.payload.title)).toEqual(["threat 1", "threat 3"]);
      expect(gaps).toEqual([
        expect.objectContaining({
          feedId: "rot",
          reason: "damaged",
          damage: "checksum",
          from: seqs[1],
          to: seqs[1],
        }),
      ]);
      expect(errors).toEqual([]);
      expect(c.position("rot")?.seq).toBe(seqs[2]!);
      c.close();
    }
  });
});
