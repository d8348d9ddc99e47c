/**
 * Peer: plain `ws` on Node. Each message is sent to every subscriber of its feed with `ws.send` — one
 * call (and, unlike Bun's publish, one write) per subscriber per message.
 */
import { type WebSocket, WebSocketServer } from "ws";
import { announce, postServer } from "./node-post.ts";

const feeds = new Map<string, Set<WebSocket>>();
const server = postServer((feed, frame) => {
  const subs = feeds.get(feed);
  if (subs !== undefined) for (const ws of subs) ws.send(frame);
});
const wss = new WebSocketServer({ server, path: "/v1/stream", perMessageDeflate: false });
wss.on("connection", (ws, req) => {
  const wanted = new URL(req.url ?? "/", "http://x").searchParams.get("feeds")?.split(",") ?? [];
  for (const f of wanted) {
    const set = feeds.get(f) ?? new Set<WebSocket>();
    set.add(ws);
    feeds.set(f, set);
  }
  ws.on("close", () => {
    for (const f of wanted) feeds.get(f)?.delete(ws);
  });
  ws.send('{"type":"metadata","op":"subscribe"}');
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1", () => announce(server));
