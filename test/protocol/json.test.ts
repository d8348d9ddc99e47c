import { expect, test } from "bun:test";
import {
  encodeFrame,
  frameToJsonText,
  frameToMessage,
  uuidFromString,
  writeSeq,
} from "../../src/protocol/mod.ts";

test("the JSON text built around the payload equals the decoded message", () => {
  const payload = { threatLevel: "high", title: 'quote " and \\ and é', indicators: ["ipv4:1.2.3.4"] };
  const frame = encodeFrame({
    type: "data",
    priority: "medium",
    feedId: "threats.eu",
    timestamp: 1_700_000_000_123,
    id: uuidFromString("01941f29-7c00-7000-8000-000000000001"),
    payload: new TextEncoder().encode(JSON.stringify(payload)),
  });
  writeSeq(frame, 77);
  const fromText = JSON.parse(frameToJsonText(frame));
  expect(fromText).toEqual(frameToMessage(frame));
  expect(fromText).toMatchObject({
    seq: 77,
    feedId: "threats.eu",
    priority: "medium",
    type: "data",
    payload,
  });
  expect(fromText.checksum).toMatch(/^[0-9a-f]{8}$/);
});
