/**
 * Peer: socket.io on Node, WebSocket transport only. A client joins the room of its feed on connect;
 * each message is emitted to the room as a binary attachment.
 */
import { Server } from "socket.io";
import { announce, postServer } from "./node-post.ts";

let io: Server | undefined;
const server = postServer((feed, frame) => {
  io?.to(feed).emit("m", frame);
});
io = new Server(server, { transports: ["websocket"], perMessageDeflate: false, serveClient: false });
io.on("connection", (socket) => {
  const feed = String(socket.handshake.query.feed ?? "bench");
  void socket.join(feed);
  socket.emit("subscribed");
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1", () => announce(server));
