import { afterAll, beforeAll, expect, test } from "bun:test";
import { postMessages, type ServerProcess, startServer } from "../helpers/server.ts";
import { rawUpgrade, readUntilClose } from "../runtime/raw.ts";

let srv: ServerProcess;
beforeAll(async () => {
  srv = await startServer({ BACKPRESSURE_LIMIT: String(256 * 1024) });
});
afterAll(() => srv.stop());

/**
 * A subscriber that stops reading is closed (4008, or cut at the hard limit) instead of growing the
 * server's memory; when it comes back with its last seq it gets the rest: nothing is lost, nothing twice.
 */
test("a slow consumer is disconnected, then resumes from its last seq with nothing lost", async () => {
  const stalled = await rawUpgrade(srv.port, "/v1/stream?feeds=slow");
  expect(stalled.status).toBe(101);
  const posted: number[] = [];
  const body = Array.from({ length: 50 }, (_, i) => ({ priority: "low", payload: `${i}`.padEnd(2000, "x") }));
  for (let i = 0; i < 100; i++) {
    const res = await postMessages(srv.url, "slow", body);
    posted.push(...((await res.json()) as { seqs: number[] }).seqs);
  }
  const seen: number[] = [];
  const end = await readUntilClose(stalled, 15_000, (text) => {
    const m = JSON.parse(text) as { seq?: number };
    if (m.seq !== undefined) seen.push(m.seq);
  });
  stalled.socket.destroy();
  expect(end === undefined).toBe(false);
  expect(end?.closeCode === 4008 || end?.ended === true).toBe(true);
  expect(seen.length).toBeLessThan(posted.length);

  const last = seen.at(-1) ?? 0;
  const again = await rawUpgrade(srv.port, `/v1/stream?feeds=slow&since=${last}`);
  const rest: number[] = [];
  const done = readUntilClose(again, 15_000, (text) => {
    const m = JSON.parse(text) as { seq?: number };
    if (m.seq !== undefined) rest.push(m.seq);
    if (rest.length + seen.length === posted.length) again.socket.end();
  });
  await done;
  again.socket.destroy();
  expect([...seen, ...rest]).toEqual(posted);
}, 40_000);
