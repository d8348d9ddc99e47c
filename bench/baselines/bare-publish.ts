/**
 * The baseline: the least a Bun server can do for the same job, measured in the same run as tacstream.
 * POST /v1/feeds/:feed/messages parses the body, encodes each message's frame with src/protocol,
 * publishes it with Bun's native `server.publish` and answers 202 — no validation, no journal, no
 * auth. `BARE_MODE=json` only parses and answers (the ingest baseline). GET /v1/stream?feeds=a
 * subscribes on connect, binary or JSON by sub-protocol, like tacstream.
 */
import { frameToJsonText } from "../../src/protocol/json.ts";
import { bareFrame, type Msg } from "./frames.ts";

interface Data {
  feeds: string[];
  binary: boolean;
}

const encoder = new TextEncoder();
const mode = process.env.BARE_MODE === "json" ? "json" : "publish";
let seq = 0;
const SUBSCRIBED = '{"type":"metadata","op":"subscribe"}';

const server = Bun.serve<Data, never>({
  port: Number(process.env.PORT ?? 0),
  hostname: process.env.HOST ?? "127.0.0.1",
  async fetch(req, srv) {
    const url = new URL(req.url);
    if (url.pathname === "/v1/stream") {
      const proto = req.headers.get("sec-websocket-protocol") ?? "";
      const binary = proto.includes("tacstream.v1.binary");
      const data = { feeds: (url.searchParams.get("feeds") ?? "").split(",").filter(Boolean), binary };
      const headers = binary ? { "Sec-WebSocket-Protocol": "tacstream.v1.binary" } : undefined;
      return srv.upgrade(req, headers === undefined ? { data } : { data, headers })
        ? undefined
        : new Response("upgrade failed", { status: 400 });
    }
    const m = /^\/v1\/feeds\/([^/]+)\/messages$/.exec(url.pathname);
    if (req.method !== "POST" || m === null) return new Response("not found", { status: 404 });
    const parsed = JSON.parse(await req.text()) as Msg | Msg[];
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (mode === "json") return Response.json({ accepted: list.length }, { status: 202 });
    const feed = m[1]!;
    const feedBytes = encoder.encode(feed);
    const now = Date.now();
    const seqs: number[] = [];
    for (const msg of list) {
      const frame = bareFrame(msg, feed, feedBytes, now, ++seq);
      seqs.push(seq);
      if (srv.subscriberCount(`b:${feed}`) > 0) srv.publish(`b:${feed}`, frame);
      if (srv.subscriberCount(`j:${feed}`) > 0) srv.publish(`j:${feed}`, frameToJsonText(frame));
    }
    return Response.json({ accepted: list.length, seqs }, { status: 202 });
  },
  websocket: {
    open(ws) {
      for (const f of ws.data.feeds) ws.subscribe(`${ws.data.binary ? "b" : "j"}:${f}`);
      ws.send(SUBSCRIBED);
    },
    message() {},
    perMessageDeflate: false,
    idleTimeout: 0,
    backpressureLimit: 16 * 1024 * 1024,
    closeOnBackpressureLimit: true,
  },
});

console.log(JSON.stringify({ level: "info", msg: "listening", port: server.port }));
console.log(JSON.stringify({ level: "info", msg: "ready", port: server.port }));
process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
