import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CloseCode } from "../../src/protocol/errors.ts";
import { type ServerProcess, startServer } from "../helpers/server.ts";
import { rawUpgrade, readUntilClose } from "../runtime/raw.ts";

const INTERVAL_MS = 200;

describe("heartbeats", () => {
  let srv: ServerProcess;
  beforeAll(async () => {
    srv = await startServer({ HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS) });
  });
  afterAll(() => srv.stop());

  test("a peer that answers no ping is dropped at the sweep after the first unanswered one", async () => {
    // Counting pings instead of measuring time keeps the test exact on a loaded machine: the peer joined
    // between two sweeps, got one ping, had a whole interval to answer it, and is dropped at the next.
    const up = await rawUpgrade(srv.port, "/v1/stream?feeds=alpha", "tacstream.v1.json");
    expect(up.status).toBe(101);
    let pings = 0;
    const end = await readUntilClose(up, 20 * INTERVAL_MS, undefined, () => pings++);
    up.socket.destroy();
    expect(end?.closeCode).toBe(CloseCode.HeartbeatTimeout);
    expect(pings).toBe(1);
  });
});
