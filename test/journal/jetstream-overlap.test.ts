import { afterAll, beforeAll, expect, test } from "bun:test";
import { type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { startServer } from "../helpers/server.ts";

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(() => nats.stop());

test("a second NATS_STREAM over the same subjects: /ready and one log line name both streams", async () => {
  const first = await startServer({ NATS_URL: nats.url, NATS_STREAM: "TAC_ONE" });
  try {
    const second = await startServer(
      { NATS_URL: nats.url, NATS_STREAM: "TAC_TWO" },
      { waitFor: "listening" },
    );
    try {
      const line = await second.logged("jetstream journal not ready");
      const want = /stream TAC_TWO cannot be created: subjects .+ already owned by stream TAC_ONE/;
      expect(String(line.reason)).toMatch(want);
      const res = await fetch(`${second.url}/ready`);
      expect(res.status).toBe(503);
      expect(String(((await res.json()) as { reason?: string }).reason)).toMatch(want);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});
