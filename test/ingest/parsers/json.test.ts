import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  compileJsonMapping,
  JsonMappingSchema,
  mapJsonItems,
  parseJson,
} from "../../../src/ingest/parsers/json.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { utf8 } from "./fixtures.ts";

const api = {
  data: {
    results: [
      {
        id: "a-1",
        name: " Emotet C2 ",
        summary: "<p>Beacons to <b>evil[.]com</b></p>",
        url: "https://intel.test/a-1",
        first_seen: "2024-03-01T10:00:00Z",
        severity: 9,
        score: 85,
        labels: ["botnet", "emotet"],
        iocs: {
          ips: ["185.220.101.4", "2001:db8::1", "bogus"],
          sha256: "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        },
        typed: ["domain:Evil.com", "cve:cve-2024-3400"],
      },
      { id: 2, name: "second", severity: "low", first_seen: 1_700_000_000 },
      "not an object",
    ],
  },
};

describe("JsonMappingSchema", () => {
  test("defaults: items is the root, no indicators", () => {
    expect(v.parse(JsonMappingSchema, {})).toEqual({ items: "", indicators: [] });
  });

  test("a bad mapping is refused naming the field", () => {
    for (const [bad, field] of [
      [{ items: 5 }, "items"],
      [{ title: "a..b" }, "title"],
      [{ indicators: [{ path: "x", type: "ipv5" }] }, "indicators"],
      [{ level: { path: "sev", map: { "9": "severe" } } }, "level.map"],
    ] as const) {
      let err: unknown;
      try {
        compileJsonMapping(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).code).toBe("VALIDATION");
      expect((err as TacError).path).toStartWith(field);
    }
  });
});

describe("mapJsonItems", () => {
  const mapping = compileJsonMapping({
    items: "data.results",
    key: "id",
    title: "name",
    description: "summary",
    link: "url",
    published: "first_seen",
    tags: "labels",
    indicators: [{ path: "iocs.ips" }, { path: "iocs.sha256", type: "sha256" }, "typed"],
    level: { path: "severity", map: { "9": "critical", "5": "medium" } },
    confidence: "score",
  });

  test("every mapped field, typed and validated; non-objects skipped", () => {
    const items = mapJsonItems(api, mapping);
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      key: "a-1",
      title: "Emotet C2",
      description: "Beacons to evil[.]com",
      link: "https://intel.test/a-1",
      published: Date.UTC(2024, 2, 1, 10),
      indicators: [
        "ipv4:185.220.101.4",
        "ipv6:2001:db8::1",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "domain:evil.com",
        "cve:CVE-2024-3400",
      ],
      threatLevel: "critical",
      confidence: 0.85,
      tags: ["botnet", "emotet"],
    });
    // A level name is taken as it is; numbers are epoch seconds; no link: the key is the id.
    expect(items[1]).toEqual({
      key: "2",
      title: "second",
      description: "",
      indicators: [],
      threatLevel: "low",
      published: 1_700_000_000_000,
    });
  });

  test("without an indicator mapping, title and description are searched", () => {
    const items = mapJsonItems(
      api,
      compileJsonMapping({ items: "data.results", title: "name", description: "summary" }),
    );
    expect(items[0]!.indicators).toEqual(["domain:evil.com"]);
    const off = compileJsonMapping({ items: "data.results", description: "summary", extract: false });
    expect(mapJsonItems(api, off)[0]!.indicators).toEqual([]);
  });

  test("wildcard paths collect from every element", () => {
    const doc = { events: [{ obs: [{ v: "1.1.1.1" }, { v: "2.2.2.2" }] }] };
    const items = mapJsonItems(
      doc,
      compileJsonMapping({ items: "events", indicators: [{ path: "obs.*.v", type: "ipv4" }] }),
    );
    expect(items[0]!.indicators).toEqual(["ipv4:1.1.1.1", "ipv4:2.2.2.2"]);
  });

  test("the root as an array, or a single object as one item; the key falls back to link, then a hash", () => {
    const arr = mapJsonItems(
      [{ t: "x", l: "https://x.test/" }, { t: "y" }],
      compileJsonMapping({ title: "t", link: "l" }),
    );
    expect(arr.map((i) => i.key)).toEqual(["https://x.test/", expect.stringMatching(/^hash:/)]);
    expect(mapJsonItems({ t: "solo" }, compileJsonMapping({ title: "t" }))).toHaveLength(1);
  });

  test("an items path to a scalar or nowhere is a VALIDATION error", () => {
    expect(() => mapJsonItems({ data: 3 }, compileJsonMapping({ items: "data" }))).toThrow(
      'items path "data"',
    );
    expect(() => mapJsonItems(null, compileJsonMapping({}))).toThrow("the document");
  });
});

describe("parseJson", () => {
  test("bytes → items; invalid JSON is a VALIDATION error", () => {
    expect(parseJson(utf8('[{"t":"a"}]'), compileJsonMapping({ title: "t" }))[0]!.title).toBe("a");
    let err: unknown;
    try {
      parseJson(utf8("{nope"), compileJsonMapping({}));
    } catch (e) {
      err = e;
    }
    expect((err as TacError).code).toBe("VALIDATION");
    expect((err as TacError).message).toContain("not valid JSON");
  });
});
