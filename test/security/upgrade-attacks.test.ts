/**
 * Attack table of issue 13, rows 3 and 4, against the real server on Bun and on Node: upgrades that
 * must not leak a connection slot, and a 101 that must never echo a token sub-protocol.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { signToken } from "../../src/security/mod.ts";
import { rawUpgrade } from "../runtime/raw.ts";
import { BUN, NODE, type RuntimeProcess, startRuntime } from "../runtime/runtimes.ts";

const SECRET = "s".repeat(40);

/** An upgrade request as written, without the headers a client must send; resolves with the answer head. */
function rawRequest(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buf = "";
    socket.setEncoding("latin1");
    socket.on("error", reject);
    socket.on("data", (c: string) => {
      buf += c;
      const end = buf.indexOf("\r\n\r\n");
      if (end >= 0) {
        socket.destroy();
        resolve(buf.slice(0, end));
      }
    });
    // A server that drops the handshake silently closes instead of answering.
    socket.on("close", () => resolve(buf));
    socket.write([...lines, "", ""].join("\r\n"));
  });
}

for (const rt of [BUN, NODE]) {
  describe(`upgrade attacks on ${rt.name}`, () => {
    let srv: RuntimeProcess;
    let token: string;
    beforeAll(async () => {
      rt.prepare?.();
      srv = await startRuntime(rt, {
        TOKEN_SECRET: SECRET,
        MAX_CONNECTIONS_PER_SUBJECT: "3",
        CONNECTIONS_PER_IP_PER_SECOND: "100000",
      });
      token = await signToken({ sub: "analyst", subscribe: ["*"] }, { secret: SECRET });
    });
    afterAll(() => srv.stop());

    test("120 upgrades without Sec-WebSocket-Key leave the subject's slots free", async () => {
      for (let i = 0; i < 120; i++) {
        const head = await rawRequest(srv.port, [
          `GET /v1/stream?token=${token} HTTP/1.1`,
          "Host: 127.0.0.1",
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Sec-WebSocket-Version: 13",
        ]);
        expect(head.startsWith("HTTP/1.1 101")).toBe(false);
      }
      const ok = await rawUpgrade(srv.port, `/v1/stream?token=${token}`);
      ok.socket.destroy();
      expect(ok.status).toBe(101);
    });

    test("a malformed Sec-WebSocket-Key is refused before admission", async () => {
      for (let i = 0; i < 10; i++) {
        const head = await rawRequest(srv.port, [
          `GET /v1/stream?token=${token} HTTP/1.1`,
          "Host: 127.0.0.1",
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Sec-WebSocket-Key: not-a-key",
          "Sec-WebSocket-Version: 13",
        ]);
        expect(head.startsWith("HTTP/1.1 101")).toBe(false);
      }
      const ok = await rawUpgrade(srv.port, `/v1/stream?token=${token}`);
      ok.socket.destroy();
      expect(ok.status).toBe(101);
    });

    test("a token offered as the only sub-protocol is never echoed", async () => {
      const up = await rawUpgrade(srv.port, "/v1/stream", `tacstream.token.${token}`);
      up.socket.destroy();
      expect(up.head).not.toContain(token);
      expect(up.status).not.toBe(101);
    });

    test("an unknown sub-protocol is refused; a known one beside the token is the one answered", async () => {
      const unknown = await rawUpgrade(srv.port, `/v1/stream?token=${token}`, "chat, superchat");
      unknown.socket.destroy();
      expect(unknown.status).toBe(422);
      expect(unknown.head.toLowerCase()).not.toContain("sec-websocket-protocol: chat");
      const both = await rawUpgrade(srv.port, "/v1/stream", `tacstream.token.${token}, tacstream.v1.json`);
      both.socket.destroy();
      expect(both.status).toBe(101);
      expect(both.head).not.toContain(token);
      expect(both.head.toLowerCase()).toContain("sec-websocket-protocol: tacstream.v1.json");
    });
  });
}
