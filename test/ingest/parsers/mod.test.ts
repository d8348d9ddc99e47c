import { describe, expect, test } from "bun:test";
import { compileJsonMapping, FEED_KINDS, PARSERS, parseFeed } from "../../../src/ingest/parsers/mod.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { fixture, utf8 } from "./fixtures.ts";

describe("the parser registry", () => {
  test("one parser per kind", () => {
    expect(Object.keys(PARSERS).sort()).toEqual([...FEED_KINDS].sort());
  });

  test("each kind parses its own format", () => {
    expect(parseFeed("rss", fixture("feeds", "input", "heise.atom"))).toHaveLength(15);
    expect(
      parseFeed("stix", fixture("threat", "stix", "indicator-for-c2-ip-address.json"))[0]!.indicators,
    ).toEqual(["ipv4:10.0.0.0"]);
    expect(parseFeed("taxii", utf8('{"objects":[]}'))).toEqual([]);
    expect(parseFeed("misp", utf8('{"Event":{"uuid":"u","info":"i"}}'))[0]!.key).toBe("u");
    expect(parseFeed("kev", fixture("threat", "cisa-kev.json"))).toHaveLength(1404);
    const mapping = compileJsonMapping({ items: "list", title: "t" });
    expect(parseFeed("json", utf8('{"list":[{"t":"x"}]}'), { mapping })[0]!.title).toBe("x");
  });

  test("json without a mapping, or the wrong format for a kind, is a VALIDATION error", () => {
    for (const run of [
      () => parseFeed("json", utf8("[]")),
      () => parseFeed("rss", fixture("threat", "cisa-kev.json")),
      () => parseFeed("kev", fixture("feeds", "input", "heise.atom")),
      () => parseFeed("stix", utf8('{"Event":{}}')),
    ]) {
      let err: unknown;
      try {
        run();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).code).toBe("VALIDATION");
    }
  });
});
