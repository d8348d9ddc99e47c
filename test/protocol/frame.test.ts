import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { crc32, crc32Portable } from "../../src/protocol/checksum.ts";
import { FrameError } from "../../src/protocol/errors.ts";
import {
  decodeFrame,
  encodeFrame,
  type FrameErrorReason,
  readSeq,
  writeSeq,
} from "../../src/protocol/mod.ts";
import { uuidFromString, uuidToString, uuidv7 } from "../../src/protocol/uuid.ts";

const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");
const block = (name: string) => doc.split(`\`\`\`${name}\n`)[1]!.split("```")[0]!.trim().split("\n");
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const enc = new TextEncoder();

interface VectorFields {
  type: "data" | "heartbeat" | "error" | "metadata";
  priority: "critical" | "high" | "medium" | "low";
  flags: number;
  feedId: string;
  seq: number;
  timestamp: number;
  id: string;
  payload: string;
}

const lines = block("vectors");
const vectors: Array<{ fields: VectorFields; hex: string }> = [];
for (let i = 0; i < lines.length; i += 2) {
  vectors.push({
    fields: JSON.parse(lines[i]!.replace(/^fields: /, "")) as VectorFields,
    hex: lines[i + 1]!.replace(/^hex: /, ""),
  });
}

describe("binary frame v1 — docs/protocol.md vectors", () => {
  test("the document holds vectors", () => expect(vectors.length).toBeGreaterThanOrEqual(3));

  for (const [i, { fields, hex }] of vectors.entries()) {
    test(`vector ${i}: encode gives the documented bytes`, () => {
      const frame = encodeFrame({
        ...fields,
        id: uuidFromString(fields.id),
        payload: enc.encode(fields.payload),
      });
      expect(toHex(frame)).toBe(hex);
    });
    test(`vector ${i}: decode gives the documented fields`, () => {
      const d = decodeFrame(fromHex(hex));
      expect({ ...d, payload: new TextDecoder().decode(d.payload), checksum: undefined }).toEqual({
        ...fields,
        checksum: undefined,
      });
    });
  }

  for (const line of block("invalid")) {
    const [reason, hex] = line.split(": ") as [FrameErrorReason, string];
    test(`invalid frame is refused with reason ${reason}`, () => {
      let err: unknown;
      try {
        decodeFrame(fromHex(hex));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FrameError);
      expect((err as FrameError).reason).toBe(reason);
      expect((err as FrameError).code).toBe("BAD_FRAME");
    });
  }
});

describe("frame helpers", () => {
  test("seq is written in place, up to 2^53", () => {
    const f = fromHex(vectors[0]!.hex);
    for (const seq of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
      writeSeq(f, seq);
      expect(readSeq(f)).toBe(seq);
      expect(decodeFrame(f).seq).toBe(seq);
    }
  });

  test("native and portable CRC32 agree", () => {
    for (const s of ["", "a", "123456789", "x".repeat(10_000)]) {
      expect(crc32(enc.encode(s))).toBe(crc32Portable(enc.encode(s)));
    }
    expect(crc32Portable(enc.encode("123456789"))).toBe(0xcbf43926);
  });

  test("uuidv7 round-trips and sorts by time", () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    expect(a < b).toBe(true);
    expect(a[14]).toBe("7");
    expect(uuidToString(uuidFromString(a))).toBe(a);
  });
});

describe("decoder fuzz: nothing but FrameError escapes", () => {
  test("100,000 random and mutated buffers", () => {
    let seed = 0x9e3779b9;
    const rnd = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    const bases = vectors.map((v) => fromHex(v.hex));
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      let buf: Uint8Array;
      if (i % 4 === 0) {
        buf = new Uint8Array(Math.floor(rnd() * 120));
        for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rnd() * 256);
        if (rnd() < 0.5 && buf.length > 2) {
          buf[0] = 0x54;
          buf[1] = 0x53;
          buf[2] = 1;
        }
      } else {
        const base = bases[i % bases.length]!;
        const len = rnd() < 0.2 ? Math.floor(rnd() * (base.length + 8)) : base.length;
        buf = new Uint8Array(len);
        buf.set(base.subarray(0, Math.min(len, base.length)));
        const flips = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < flips && len > 0; k++) buf[Math.floor(rnd() * len)] = Math.floor(rnd() * 256);
      }
      try {
        decodeFrame(buf);
        decoded++;
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        refused++;
      }
    }
    expect(decoded + refused).toBe(100_000);
    expect(refused).toBeGreaterThan(50_000);
  });
});
