/**
 * The HTTP half shared by the Node peers (plain `ws` broadcast, socket.io): the same POST route as
 * tacstream, each message encoded once with src/protocol and handed to `broadcast`, then 202.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { bareFrame, type Msg } from "./frames.ts";

const encoder = new TextEncoder();
let seq = 0;

export function postServer(broadcast: (feed: string, frame: Uint8Array) => void): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/v1\/feeds\/([^/?]+)\/messages/.exec(req.url ?? "");
    if (req.method !== "POST" || m === null) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Msg | Msg[];
      const list = Array.isArray(parsed) ? parsed : [parsed];
      const feed = m[1]!;
      const feedBytes = encoder.encode(feed);
      const now = Date.now();
      for (const msg of list) {
        broadcast(feed, bareFrame(msg, feed, feedBytes, now, ++seq));
      }
      res.writeHead(202, { "content-type": "application/json" }).end(`{"accepted":${list.length}}`);
    });
  });
}

export function announce(server: Server): void {
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  console.log(JSON.stringify({ level: "info", msg: "listening", port }));
  console.log(JSON.stringify({ level: "info", msg: "ready", port }));
  process.once("SIGTERM", () => process.exit(0));
}
