import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { priorityForLevel, toThreatPayload, truncate } from "../../../src/ingest/indicators/payload.ts";
import type { NormalizedItem } from "../../../src/ingest/item.ts";
import { ThreatPayloadSchema } from "../../../src/protocol/message.ts";

const base: NormalizedItem = {
  key: "k",
  title: "CVE-2024-3400 exploited",
  description: "PAN-OS command injection",
  indicators: ["cve:CVE-2024-3400"],
};

describe("toThreatPayload", () => {
  test("a valid ThreatPayload, level from the rules", () => {
    const p = toThreatPayload(base, {
      source: "cisa-kev",
      ttl: 86_400,
      rules: [{ when: { hasIndicator: "cve" }, level: "high" }],
    });
    expect(p).toEqual({
      threatLevel: "high",
      source: "cisa-kev",
      title: "CVE-2024-3400 exploited",
      description: "PAN-OS command injection",
      indicators: ["cve:CVE-2024-3400"],
      confidence: 0.5,
      ttl: 86_400,
    });
    expect(v.safeParse(ThreatPayloadSchema, p).success).toBe(true);
  });

  test("oversized fields are cut to the schema's limits and still validate", () => {
    const huge: NormalizedItem = {
      key: "k",
      title: "t".repeat(10_000),
      description: `${"d".repeat(65_534)}😀${"d".repeat(100)}`,
      indicators: [
        `url:http://x.test/${"a".repeat(5000)}`,
        ...Array.from({ length: 1500 }, (_, i) => `md5:${i}`),
      ],
      confidence: 7,
    };
    const p = toThreatPayload(huge, { source: "s".repeat(600), ttl: 12.9, defaultLevel: "low" });
    expect(v.safeParse(ThreatPayloadSchema, p).success).toBe(true);
    expect(p.title).toHaveLength(4096);
    expect(p.title.endsWith("…")).toBe(true);
    expect(p.source).toHaveLength(512);
    expect(p.description.length).toBeLessThanOrEqual(65_536);
    // The cut does not leave half of the emoji's surrogate pair.
    expect(p.description.endsWith("d…")).toBe(true);
    expect(p.indicators).toHaveLength(1000);
    expect(p.indicators[0]).toBe("md5:0");
    expect(p.confidence).toBe(1);
    expect(p.ttl).toBe(12);
    expect(p.threatLevel).toBe("low");
  });

  test("item confidence wins over the default; NaN/negative ttl become 0", () => {
    expect(
      toThreatPayload({ ...base, confidence: 0.9 }, { source: "s", ttl: -5, confidence: 0.1 }),
    ).toMatchObject({
      confidence: 0.9,
      ttl: 0,
    });
    expect(toThreatPayload(base, { source: "s", ttl: Number.NaN, confidence: 0.1 }).confidence).toBe(0.1);
  });
});

describe("helpers", () => {
  test("truncate and priorityForLevel", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 3)).toBe("ab…");
    expect(priorityForLevel("info")).toBe("low");
    expect(priorityForLevel("critical")).toBe("critical");
  });
});

describe("toThreatPayload keeps the item's facts", () => {
  const item: NormalizedItem = {
    key: "k",
    title: "t",
    description: "d",
    indicators: [],
    link: "https://example.com/a",
    published: Date.parse("2016-05-01T00:00:00Z"),
    tags: ["apt", "x".repeat(300)],
    stix: { id: "indicator--1", modified: "2016-05-01T00:00:00.000Z" },
    tlp: "amber",
  };
  test("link, published, tags, stix, tlp", () => {
    const p = toThreatPayload(item, { source: "s", ttl: 60 });
    expect(p.link).toBe("https://example.com/a");
    expect(p.published).toBe(item.published!);
    expect(p.tags).toEqual(["apt"]);
    expect(p.stix).toEqual(item.stix);
    expect(p.tlp).toBe("amber");
    expect(v.safeParse(ThreatPayloadSchema, p).success).toBe(true);
  });
  test("a link that is not http(s) and a date that is not one are left out", () => {
    const p = toThreatPayload(
      { ...item, link: "javascript:alert(1)", published: Number.NaN },
      { source: "s", ttl: 60 },
    );
    expect(p.link).toBeUndefined();
    expect(p.published).toBeUndefined();
  });
});
