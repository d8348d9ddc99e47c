import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { fastIngestMessage, fastThreatPayload } from "../../src/protocol/fast-check.ts";
import { IngestMessageSchema, ThreatPayloadSchema } from "../../src/protocol/message.ts";

// The fast checks may only ever accept what valibot accepts, with the very same output. Every field of
// a full message and a full threat is replaced, one at a time, by each value below (and removed), on
// top of a few whole-value oddities; the rule is checked for each.

const ODD: unknown[] = [
  null,
  true,
  0,
  -1,
  0.5,
  1,
  1.5,
  2 ** 53,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  "",
  "x",
  "0",
  "a".repeat(64),
  "a".repeat(65),
  "a".repeat(256),
  "a".repeat(257),
  "a".repeat(512),
  "a".repeat(513),
  "a".repeat(4096),
  "a".repeat(4097),
  "critical",
  "heartbeat",
  "amber+strict",
  "0190d5b6-8f3c-7a2e-9b1d-2f3e4a5b6c7d",
  "0190D5B6-8F3C-7A2E-9B1D-2F3E4A5B6C7D",
  "0190d5b6-8f3c-7a2e-9b1d-2f3e4a5b6c7",
  [],
  ["ipv4:203.0.113.7"],
  [1],
  [null],
  ["a".repeat(257)],
  Array.from({ length: 65 }, () => "t"),
  {},
  { id: "indicator--1", modified: "2024-01-01T00:00:00Z" },
  { id: 1, modified: "x" },
  { id: "a".repeat(257), modified: "x" },
];

const THREAT = {
  threatLevel: "high",
  source: "cisa",
  title: "CVE-2024-0001",
  description: "text",
  indicators: ["cve:CVE-2024-0001"],
  confidence: 0.9,
  ttl: 3600,
  link: "https://example.org/a",
  published: 1_700_000_000_000,
  tags: ["kev"],
  stix: { id: "vulnerability--1", modified: "2024-01-01T00:00:00Z" },
  tlp: "amber",
};

const MESSAGE = {
  priority: "high",
  type: "data",
  payload: THREAT,
  id: "0190d5b6-8f3c-7a2e-9b1d-2f3e4a5b6c7d",
  timestamp: 1_700_000_000_000,
};

function variants(base: Record<string, unknown>): unknown[] {
  const out: unknown[] = [base, { ...base, extra: 1 }, [base], "x", 1, null, []];
  for (const key of Object.keys(base)) {
    const { [key]: _gone, ...without } = base;
    out.push(without);
    for (const odd of ODD) out.push({ ...base, [key]: odd });
  }
  return out;
}

describe("fast checks never accept what valibot refuses", () => {
  test("messages: same verdict on acceptance, same output, same key order", () => {
    let accepted = 0;
    const cases = [...variants(MESSAGE), ...variants({ priority: "low", payload: "plain" })];
    for (const raw of cases) {
      const fast = fastIngestMessage(raw);
      if (fast === undefined) continue;
      accepted++;
      const res = v.safeParse(IngestMessageSchema, raw);
      expect(res.success).toBe(true);
      if (res.success) {
        expect(Object.keys(fast)).toEqual(Object.keys(res.output));
        expect(fast).toEqual(res.output);
      }
    }
    // The fast path is really taken: the base message and its harmless variants.
    expect(accepted).toBeGreaterThan(20);
  });

  test("threat payloads: accepted only when valibot accepts", () => {
    let accepted = 0;
    const base = THREAT as Record<string, unknown>;
    const minimal = { ...base };
    for (const k of ["link", "published", "tags", "stix", "tlp"]) delete minimal[k];
    for (const p of [...variants(base), ...variants(minimal)]) {
      if (!fastThreatPayload(p)) continue;
      accepted++;
      expect(v.safeParse(ThreatPayloadSchema, p).success).toBe(true);
    }
    expect(accepted).toBeGreaterThan(20);
  });

  test("the common message of a webhook post is taken by the fast path", () => {
    expect(fastIngestMessage({ priority: "high", payload: THREAT })).toEqual({
      priority: "high",
      type: "data",
      payload: THREAT,
    });
    expect(fastThreatPayload(THREAT)).toBe(true);
  });
});
