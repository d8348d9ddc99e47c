import { describe, expect, test } from "bun:test";
import { resolvePath } from "../../../src/ingest/parsers/path.ts";

describe("resolvePath", () => {
  const doc = {
    data: { results: [{ id: 1, ips: ["1.1.1.1", "2.2.2.2"] }, { id: 2, ips: ["3.3.3.3"] }, { id: 3 }] },
    "a.b": 1,
  };

  test("keys, indexes, the root", () => {
    expect(resolvePath(doc, "")).toBe(doc);
    expect(resolvePath(doc, "data.results.1.id")).toBe(2);
    expect(resolvePath(doc, "data.results.9.id")).toBeUndefined();
    expect(resolvePath(doc, "data.missing.x")).toBeUndefined();
    expect(resolvePath(doc, "data.results.x")).toBeUndefined();
  });

  test("* maps over arrays and object values, flattening nested *", () => {
    expect(resolvePath(doc, "data.results.*.id")).toEqual([1, 2, 3]);
    expect(resolvePath(doc, "data.results.*.ips")).toEqual([["1.1.1.1", "2.2.2.2"], ["3.3.3.3"]]);
    expect(resolvePath(doc, "data.results.*.ips.*")).toEqual(["1.1.1.1", "2.2.2.2", "3.3.3.3"]);
    expect(resolvePath({ m: { x: { v: 1 }, y: { v: 2 } } }, "m.*.v")).toEqual([1, 2]);
  });

  test("only own properties: no prototype walking", () => {
    expect(resolvePath(doc, "constructor")).toBeUndefined();
    expect(resolvePath(doc, "__proto__")).toBeUndefined();
    expect(resolvePath(doc, "data.results.length")).toBeUndefined();
  });
});
