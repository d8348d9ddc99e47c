/**
 * HTTP and WebSocket clients at the TCP level, for what well-behaved clients never do: stop reading,
 * never answer a close frame, send half a body. Also reads the status of a refused upgrade, which
 * `WebSocket` hides.
 */
import { connect, type Socket } from "node:net";

export interface RawUpgrade {
  status: number;
  head: string;
  socket: Socket;
  /** Bytes that came after the head in the same read (the first frames), as latin1. */
  rest: string;
}

/** Sends a WebSocket upgrade for `path` and resolves with the status line once the head arrived. */
export function rawUpgrade(port: number, path: string, protocol?: string): Promise<RawUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buf = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no upgrade answer for ${path}`));
    }, 5_000);
    socket.setEncoding("latin1");
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const onData = (chunk: string) => {
      buf += chunk;
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      socket.off("data", onData);
      // Stop reading from here on: the peer's writes pile up in the kernel, then in its own buffers.
      socket.pause();
      const head = buf.slice(0, end);
      resolve({ status: Number(head.split(" ")[1]), head, socket, rest: buf.slice(end + 4) });
    };
    socket.on("data", onData);
    socket.write(
      [
        `GET ${path} HTTP/1.1`,
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        ...(protocol === undefined ? [] : [`Sec-WebSocket-Protocol: ${protocol}`]),
        "",
        "",
      ].join("\r\n"),
    );
  });
}

export interface HeldPost {
  /** Sends the rest of the body and resolves with the status and JSON body of the answer. */
  finish(): Promise<{ status: number; body: Record<string, unknown> }>;
}

/**
 * POSTs `body` to `path` but holds back its last byte: the server has started the request (it is in
 * flight) and cannot finish it until `finish()`.
 */
export async function heldPost(port: number, path: string, body: string): Promise<HeldPost> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.setEncoding("utf8");
  let answer = "";
  socket.on("data", (c: string) => {
    answer += c;
  });
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const bytes = Buffer.from(body);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(bytes.subarray(0, -1));
  return {
    async finish() {
      socket.write(bytes.subarray(-1));
      const timer = setTimeout(() => socket.destroy(), 5_000);
      await ended;
      clearTimeout(timer);
      const head = answer.slice(0, answer.indexOf("\r\n"));
      // The body may come chunked: the JSON object is what lies between the outer braces.
      const json = answer.slice(answer.indexOf("{"), answer.lastIndexOf("}") + 1);
      return { status: Number(head.split(" ")[1]), body: JSON.parse(json) as Record<string, unknown> };
    },
  };
}

/**
 * Resumes a paused upgraded socket and reads server frames until a close frame (its code) or the end
 * of the connection (`ended`), whichever comes first; undefined after `timeoutMs`. Whole text frames
 * read on the way are handed to `onText`; `onPing` hears each ping (which this client never answers).
 */
export function readUntilClose(
  up: RawUpgrade,
  timeoutMs: number,
  onText?: (text: string) => void,
  onPing?: () => void,
): Promise<{ closeCode?: number; ended: boolean } | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.from(up.rest, "latin1");
    const finish = (r: { closeCode?: number; ended: boolean } | undefined) => {
      clearTimeout(timer);
      up.socket.off("data", onData);
      resolve(r);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const scan = () => {
      for (;;) {
        if (buf.length < 2) return;
        const op = buf[0]! & 0x0f;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        if (op === 0x8) {
          finish({ closeCode: len >= 2 ? buf.readUInt16BE(off) : 1005, ended: false });
          return;
        }
        if (op === 0x1) onText?.(buf.subarray(off, off + len).toString("utf8"));
        if (op === 0x9) onPing?.();
        buf = buf.subarray(off + len);
      }
    };
    const onData = (chunk: string) => {
      buf = Buffer.concat([buf, Buffer.from(chunk, "latin1")]);
      scan();
    };
    up.socket.on("data", onData);
    up.socket.once("close", () => finish({ ended: true }));
    up.socket.resume();
    scan();
  });
}
