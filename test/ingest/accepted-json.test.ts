import { describe, expect, test } from "bun:test";
import { acceptedJson } from "../../src/ingest/routes.ts";
import { uuidToString, uuidv7Bytes } from "../../src/protocol/uuid.ts";

describe("the 202 answer", () => {
  test("is the JSON of { accepted, ids, seqs }, for one message and for a batch", () => {
    for (const n of [1, 2, 100]) {
      const ids = Array.from({ length: n }, () => uuidToString(uuidv7Bytes()));
      const seqs = Array.from({ length: n }, (_, i) => 2 ** 40 + i);
      const text = acceptedJson(ids, seqs);
      expect(text).toBe(JSON.stringify({ accepted: n, ids, seqs }));
    }
  });
});
