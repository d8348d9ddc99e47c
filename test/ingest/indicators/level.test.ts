import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { type LevelRule, LevelRulesSchema, levelFor } from "../../../src/ingest/indicators/level.ts";
import type { NormalizedItem } from "../../../src/ingest/item.ts";

const item = (over: Partial<NormalizedItem> = {}): NormalizedItem => ({
  key: "k",
  title: "Weekly digest",
  description: "",
  indicators: [],
  ...over,
});

const rules: LevelRule[] = v.parse(LevelRulesSchema, [
  { when: { titleMatches: "ransomware|0-day" }, level: "critical" },
  { when: { hasIndicator: "cve" }, level: "high" },
  { when: { textMatches: "phishing", tagMatches: "^tlp:(white|clear)$" }, level: "medium" },
  { when: { sourceLevel: "info", hasIndicator: "ipv4" }, level: "low" },
]);

describe("levelFor", () => {
  test("the first matching rule decides; matching is case-insensitive", () => {
    expect(levelFor(item({ title: "LockBit RANSOMWARE hits", indicators: ["cve:CVE-2024-1"] }), rules)).toBe(
      "critical",
    );
    expect(levelFor(item({ indicators: ["cve:CVE-2024-1"], threatLevel: "low" }), rules)).toBe("high");
  });

  test("every condition of a rule must hold", () => {
    expect(levelFor(item({ description: "a Phishing kit", tags: ["tlp:white"] }), rules)).toBe("medium");
    expect(levelFor(item({ description: "a phishing kit", tags: ["tlp:amber"] }), rules)).toBe("info");
    expect(levelFor(item({ threatLevel: "info", indicators: ["ipv4:1.2.3.4"] }), rules)).toBe("low");
    expect(levelFor(item({ threatLevel: "medium", indicators: ["ipv4:1.2.3.4"] }), rules)).toBe("medium");
  });

  test("no match: the source's level, else the fallback", () => {
    expect(levelFor(item({ threatLevel: "high" }), rules)).toBe("high");
    expect(levelFor(item(), rules)).toBe("info");
    expect(levelFor(item(), rules, "medium")).toBe("medium");
    expect(levelFor(item(), [{ when: {}, level: "low" }])).toBe("low");
  });
});

describe("LevelRulesSchema", () => {
  test("refuses unknown levels, conditions and indicator types, and broken regular expressions", () => {
    for (const bad of [
      [{ when: {}, level: "severe" }],
      [{ when: { titleMatches: "(" }, level: "high" }],
      [{ when: { hasIndicator: "ipv5" }, level: "high" }],
      [{ when: { bodyMatches: "x" }, level: "high" }],
      [{ level: "high" }],
    ]) {
      expect(v.safeParse(LevelRulesSchema, bad).success).toBe(false);
    }
  });
});
