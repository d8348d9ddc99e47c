import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { wireCloseCode } from "../../src/runtime/bun-close.ts";
import { untilSample } from "../helpers/metrics.ts";
import { type ServerProcess, startServer } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";
import { rawUpgrade } from "../runtime/raw.ts";

// Bun's close handler says 1006 for every close Bun makes on a protocol error, though the client got
// a close frame with a real code. These run the real server and compare what the client received with
// what /metrics counted.

const MAX_PAYLOAD = 4096;
let srv: ServerProcess;

beforeAll(async () => {
  srv = await startServer({ MAX_PAYLOAD: String(MAX_PAYLOAD), HEARTBEAT_INTERVAL_MS: "60000" });
});
afterAll(async () => {
  await srv?.stop();
});

const closed = (code: number) => `tacstream_connections_closed_total{code="${code}"}`;

/** A client frame: FIN, `opcode`, masked unless told otherwise. */
function frame(opcode: number, payload: Uint8Array, masked = true): Buffer {
  const head =
    payload.length < 126
      ? [0x80 | opcode, payload.length]
      : [0x80 | opcode, 126, payload.length >> 8, payload.length & 255];
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  head[1]! |= 0x80;
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** Sends `bytes` on an upgraded raw socket; resolves with the code of the close frame the server sent. */
async function closeCodeAfter(bytes: Buffer): Promise<number> {
  const up = await rawUpgrade(srv.port, "/v1/stream?feeds=alpha");
  expect(up.status).toBe(101);
  const socket: Socket = up.socket;
  let got = Buffer.from(up.rest, "latin1");
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("data", (c: string) => {
    got = Buffer.concat([got, Buffer.from(c, "latin1")]);
  });
  socket.resume();
  socket.write(bytes);
  const timer = setTimeout(() => socket.destroy(), 5000);
  await ended;
  clearTimeout(timer);
  // Skip whatever frames came first (none expected; the server speaks only when asked) to the close.
  for (let i = 0; i + 1 < got.length; ) {
    const op = got[i]! & 0x0f;
    let len = got[i + 1]! & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = got.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(got.readBigUInt64BE(at));
      at += 8;
    }
    if (op === 8) return got.readUInt16BE(at);
    i = at + len;
  }
  throw new Error(`no close frame in ${got.length} bytes`);
}

describe("WebSocket close codes in /metrics are the ones on the wire", () => {
  test("an oversize frame from a real WebSocket client: 1009, not 1006", async () => {
    const s = await openSocket(`${srv.wsUrl}/v1/stream?feeds=alpha`);
    s.ws.send("x".repeat(MAX_PAYLOAD + 1));
    expect((await s.closed).code).toBe(1009);
    expect(await untilSample(srv.url, closed(1009))).toBe(1);
  });

  test("an unmasked client frame (protocol error): 1002", async () => {
    expect(await closeCodeAfter(frame(1, new TextEncoder().encode("{}"), false))).toBe(1002);
    expect(await untilSample(srv.url, closed(1002))).toBe(1);
  });

  test("a text frame that is not UTF-8: 1007", async () => {
    expect(await closeCodeAfter(frame(1, Uint8Array.of(0xff, 0xfe, 0xfd)))).toBe(1007);
    expect(await untilSample(srv.url, closed(1007))).toBe(1);
  });

  test("a client's own close code is counted as sent", async () => {
    const s = await openSocket(`${srv.wsUrl}/v1/stream?feeds=alpha`);
    s.ws.close(4000, "bye");
    expect((await s.closed).code).toBe(4000);
    expect(await untilSample(srv.url, closed(4000))).toBe(1);
  });

  test("none of these was counted as 1006", async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(text).not.toContain(closed(1006));
  });
});

describe("wireCloseCode", () => {
  test("keeps every code Bun reports truthfully", () => {
    expect(wireCloseCode(1000, "")).toBe(1000);
    expect(wireCloseCode(4008, "Received nothing")).toBe(4008);
    expect(wireCloseCode(1005, "")).toBe(1005);
  });
  test("a 1006 without Bun's reason is a real abnormal closure", () => {
    expect(wireCloseCode(1006, "")).toBe(1006);
    expect(wireCloseCode(1006, undefined)).toBe(1006);
  });
  test("Bun's protocol-error reasons map to the code it sent", () => {
    expect(wireCloseCode(1006, "Received too big message")).toBe(1009);
    expect(wireCloseCode(1006, "Received invalid UTF-8")).toBe(1007);
    expect(wireCloseCode(1006, "Received invalid opcode")).toBe(1002);
    expect(wireCloseCode(1006, "Received an incorrectly masked frame")).toBe(1002);
  });
});
