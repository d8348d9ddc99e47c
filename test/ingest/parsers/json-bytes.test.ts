import { expect, test } from "bun:test";
import { parseJsonBytes } from "../../../src/ingest/parsers/json-bytes.ts";
import { TacError } from "../../../src/protocol/errors.ts";

test("fetched or webhook JSON with invalid UTF-8 is refused, not stored as U+FFFD; a BOM is skipped", () => {
  const bad = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]); // {"a":"\xff"}
  let error: unknown;
  try {
    parseJsonBytes(bad, "feed document");
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TacError);
  expect((error as TacError).message).toContain("UTF-8");
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":"é"}')]);
  expect(parseJsonBytes(bom, "feed document")).toEqual({ a: "é" });
});
