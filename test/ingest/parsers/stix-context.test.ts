import { describe, expect, test } from "bun:test";
import { type StixObject, stixObjectsToItems } from "../../../src/ingest/parsers/stix.ts";
import { StixContext } from "../../../src/ingest/parsers/stix-context.ts";

const indicator: StixObject = {
  type: "indicator",
  id: "indicator--1",
  name: "Bad domain",
  pattern: "[domain-name:value = 'evil.example']",
  modified: "2024-01-01T00:00:00.000Z",
};
const malware: StixObject = {
  type: "malware",
  id: "malware--1",
  name: "Poison Ivy",
  modified: "2024-01-01T00:00:00.000Z",
};
const rel: StixObject = {
  type: "relationship",
  id: "relationship--1",
  relationship_type: "indicates",
  source_ref: "indicator--1",
  target_ref: "malware--1",
};

describe("STIX context across TAXII pages", () => {
  test("without a context, a page split loses the relation", () => {
    const pages = [[indicator], [rel], [malware]].map((p) => stixObjectsToItems(p));
    expect(pages.flat().some((i) => i.description.includes("indicates malware Poison Ivy"))).toBe(false);
  });

  for (const order of [
    [indicator, rel, malware],
    [malware, rel, indicator],
    [rel, malware, indicator],
    [indicator, malware, rel],
  ]) {
    test(`pages ${order.map((o) => o.type).join(" → ")}: the indicator ends up with its relation`, () => {
      const ctx = new StixContext();
      const items = order.flatMap((o) => stixObjectsToItems([o], ctx));
      const mine = items.filter((i) => i.key === "indicator--1");
      expect(mine.at(-1)!.description).toBe("Related: indicates malware Poison Ivy.");
      // Emitted again only when it gained context, and then marked so it is news once.
      if (mine.length > 1) expect(mine.at(-1)!.revision).toBe("rel1");
      expect(mine.length).toBe(order.indexOf(indicator) === 2 ? 1 : 2);
      expect(items.filter((i) => i.key === "malware--1").length).toBe(1);
    });
  }

  test("bounded: the oldest objects go, with their relationship index", () => {
    const ctx = new StixContext(2);
    stixObjectsToItems([indicator, rel, malware], ctx);
    expect(ctx.size).toBe(2);
    expect(ctx.get("indicator--1")).toBeUndefined();
    expect(ctx.relationshipsFrom("indicator--1").length).toBe(1);
    stixObjectsToItems([{ ...malware, id: "malware--2" }], ctx);
    expect(ctx.relationshipsFrom("indicator--1")).toEqual([]);
  });
});
