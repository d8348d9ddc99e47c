import { describe, expect, test } from "bun:test";
import { decodeIncoming } from "../../src/client/wire.ts";
import { TacError } from "../../src/protocol/errors.ts";
import { encodeFrame } from "../../src/protocol/frame.ts";
import { frameToJsonText } from "../../src/protocol/json.ts";
import { uuidFromString } from "../../src/protocol/uuid.ts";

const frame = encodeFrame({
  type: "data",
  priority: "critical",
  feedId: "threats",
  seq: 77,
  timestamp: 1_735_689_600_000,
  id: uuidFromString("01941f29-7c00-7000-8000-000000000001"),
  payload: new TextEncoder().encode('{"threatLevel":"critical","title":"x"}'),
});

describe("decodeIncoming", () => {
  test("JSON and binary forms of one message decode to the same object", () => {
    const fromJson = decodeIncoming(frameToJsonText(frame));
    const fromBinary = decodeIncoming(frame.buffer.slice(0));
    expect(fromJson).toEqual(fromBinary);
    expect(fromBinary).toMatchObject({
      kind: "data",
      message: { seq: 77, feedId: "threats", priority: "critical", payload: { title: "x" } },
    });
    expect(decodeIncoming(frame)).toEqual(fromBinary);
  });

  test("control messages", () => {
    expect(decodeIncoming('{"type":"heartbeat","ts":5}')).toEqual({
      kind: "control",
      control: { type: "heartbeat", ts: 5 },
    });
    const reply = decodeIncoming(
      '{"type":"metadata","op":"subscribe","id":1,"feeds":{"a":{"epoch":"e","head":3,"recovered":true}}}',
    );
    expect(reply).toMatchObject({ kind: "control", control: { op: "subscribe", feeds: { a: { head: 3 } } } });
    const err = decodeIncoming('{"type":"error","code":"FORBIDDEN","message":"no","feedId":"a","id":2}');
    if (err.kind !== "control" || err.control.type !== "error") throw new Error("expected an error control");
    expect(err.control.id).toBe(2);
    expect(err.control.error).toBeInstanceOf(TacError);
    expect(err.control.error).toMatchObject({ code: "FORBIDDEN", feedId: "a", message: "no" });
  });

  test("garbage is a typed error, never a crash", () => {
    const bad = frame.slice();
    bad[bad.length - 1] = 0;
    for (const input of ["{nope", "42", '{"type":"weird"}', '{"seq":1}', bad, new Uint8Array(3), { x: 1 }]) {
      expect(() => decodeIncoming(input)).toThrow(TacError);
    }
    try {
      decodeIncoming(bad);
    } catch (e) {
      expect((e as TacError).code).toBe("BAD_FRAME");
    }
  });
});

test("a DAMAGED_RECORD error naming its seq is a damaged control, never a feed message", () => {
  const text = JSON.stringify({
    type: "error",
    code: "DAMAGED_RECORD",
    message: "m",
    feedId: "f",
    damagedSeq: 7,
    reason: "undecryptable",
  });
  const got = decodeIncoming(text);
  expect(got.kind).toBe("control");
  expect(got.kind === "control" && got.control).toMatchObject({
    type: "damaged",
    feedId: "f",
    seq: 7,
    damage: "undecryptable",
  });
  // A reason this SDK does not know is left out, the notice still counts.
  const unknown = decodeIncoming(text.replace("undecryptable", "cosmic-ray"));
  expect(unknown.kind === "control" && unknown.control).toMatchObject({ type: "damaged", seq: 7 });
  expect(unknown.kind === "control" && "damage" in unknown.control).toBe(false);
  // Without a usable seq it stays a plain error (nothing to move a cursor to).
  const bad = decodeIncoming(
    JSON.stringify({ type: "error", code: "DAMAGED_RECORD", message: "m", damagedSeq: -1 }),
  );
  expect(bad.kind === "control" && bad.control.type).toBe("error");
});
