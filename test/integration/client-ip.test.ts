import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ServerProcess, startServer } from "../helpers/server.ts";

let srv: ServerProcess;
beforeAll(async () => {
  srv = await startServer({ CLIENT_IP_HEADER: "x-client-ip", CONNECTIONS_PER_IP_PER_SECOND: "1" });
});
afterAll(() => srv.stop());

const upgrade = (ip: string) =>
  fetch(`${srv.url}/v1/stream`, {
    headers: {
      "x-client-ip": ip,
      upgrade: "websocket",
      connection: "upgrade",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    },
  });

test("behind a proxy, connection limits count the address the proxy names, not the proxy", async () => {
  // Burst 2 per address: ten clients behind one proxy address are ten addresses.
  for (let i = 0; i < 10; i++) expect((await upgrade(`203.0.113.${i}`)).status).toBe(101);
  const same = [];
  for (let i = 0; i < 4; i++) same.push((await upgrade("198.51.100.7")).status);
  expect(same).toContain(429);
});

test("a client cannot choose its address by prepending entries to the proxy's list", async () => {
  // Every request came through the proxy from 192.0.2.50; only the spoofed left entries differ.
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await upgrade(`10.9.9.${i}, 192.0.2.50`)).status);
  expect(statuses).toContain(429);
});
