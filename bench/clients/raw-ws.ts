/**
 * A minimal WebSocket client on `node:net` for load tests: the upgrade by hand, then a frame parser
 * that hands each server frame's payload to a callback together with one clock reading per TCP chunk.
 * `ws` emits one event and allocates per message; at millions of deliveries per second on a shared
 * 2-core machine that client would become what the benchmark measures.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawWsOptions {
  host: string;
  port: number;
  path: string;
  protocol?: string;
  /** Called for every text (opcode 1) and binary (opcode 2) frame; `now` is read once per chunk. */
  onMessage: (payload: Buffer, binary: boolean, now: number) => void;
  /** Called after the last frame of a TCP chunk (flush per-chunk aggregates). */
  onChunkEnd?: () => void;
  onClose?: (code: number) => void;
}

export interface RawWs {
  readonly socket: Socket;
  send(text: string): void;
  close(): void;
}

const now = () => performance.timeOrigin + performance.now();

/** Resolves once the server answered 101; rejects on any other answer or a socket error. */
export function openRawWs(opts: RawWsOptions): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
    let head: Buffer | undefined = Buffer.alloc(0);
    let pending: Buffer = Buffer.alloc(0);
    let closeCode = 1006;
    const api: RawWs = {
      socket,
      send: (text) => socket.write(encodeClientFrame(1, Buffer.from(text))),
      close: () => {
        if (!socket.destroyed) socket.end(encodeClientFrame(8, Buffer.from([0x03, 0xe8])));
      },
    };
    socket.once("connect", () => {
      const lines = [
        `GET ${opts.path} HTTP/1.1`,
        `Host: ${opts.host}:${opts.port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
      ];
      if (opts.protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${opts.protocol}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
    socket.on("error", (err) => {
      if (head !== undefined) reject(err);
    });
    socket.on("close", () => {
      if (head !== undefined) reject(new Error("closed during the upgrade"));
      else opts.onClose?.(closeCode);
    });
    socket.on("data", (chunk: Buffer) => {
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
        if (!/^HTTP\/1\.1 101/.test(status)) {
          reject(new Error(`upgrade refused: ${status}`));
          socket.destroy();
          return;
        }
        chunk = head.subarray(end + 4);
        head = undefined;
        resolve(api);
        if (chunk.length === 0) return;
      }
      const t = now();
      const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let off = 0;
      for (;;) {
        if (buf.length - off < 2) break;
        const b0 = buf[off]!;
        const b1 = buf[off + 1]!;
        let len = b1 & 0x7f;
        let hdr = 2;
        if (len === 126) {
          if (buf.length - off < 4) break;
          len = buf.readUInt16BE(off + 2);
          hdr = 4;
        } else if (len === 127) {
          if (buf.length - off < 10) break;
          len = Number(buf.readBigUInt64BE(off + 2));
          hdr = 10;
        }
        if (buf.length - off < hdr + len) break;
        const payload = buf.subarray(off + hdr, off + hdr + len);
        off += hdr + len;
        const op = b0 & 0x0f;
        if (op === 1 || op === 2) opts.onMessage(payload, op === 2, t);
        else if (op === 9) socket.write(encodeClientFrame(10, payload));
        else if (op === 8) {
          closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          socket.end();
        }
      }
      pending = off >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(off));
      opts.onChunkEnd?.();
    });
  });
}

/** Client frames must be masked (RFC 6455 §5.3); a zero mask keeps the payload bytes as they are. */
function encodeClientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const out = Buffer.alloc(2 + ext + 4 + len);
  out[0] = 0x80 | opcode;
  if (ext === 0) out[1] = 0x80 | len;
  else if (ext === 2) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(out, 2 + ext + 4);
  return out;
}
