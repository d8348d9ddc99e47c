import { describe, expect, test } from "bun:test";
import { parseTaxiiEnvelope } from "../../../src/ingest/parsers/taxii.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { fixture, utf8 } from "./fixtures.ts";

describe("parseTaxiiEnvelope", () => {
  test("a page of a real bundle's objects, with more and next", () => {
    const bundle = JSON.parse(
      new TextDecoder().decode(fixture("threat", "stix", "indicators-for-C2-with-COA.json")),
    );
    const page = parseTaxiiEnvelope(
      utf8(JSON.stringify({ more: true, next: "cursor-2", objects: bundle.objects })),
    );
    expect(page.more).toBe(true);
    expect(page.next).toBe("cursor-2");
    expect(page.items.flatMap((i) => i.indicators).sort()).toEqual([
      "ipv4:10.0.0.0",
      "sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
    ]);
  });

  test("an empty envelope is the last page", () => {
    expect(parseTaxiiEnvelope(utf8("{}"))).toEqual({ items: [], more: false });
  });

  test("a bad envelope or object is refused, naming the place", () => {
    for (const [doc, mention] of [
      ['{"more":"yes"}', "more"],
      ['{"objects":[{"type":"indicator","id":""}]}', "objects[0].id"],
      ["[]", "TAXII"],
    ] as const) {
      let err: unknown;
      try {
        parseTaxiiEnvelope(utf8(doc));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).message).toContain(mention);
    }
  });
});
