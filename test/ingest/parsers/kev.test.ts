import { describe, expect, test } from "bun:test";
import { parseKev } from "../../../src/ingest/parsers/kev.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { fixture, utf8 } from "./fixtures.ts";

interface KevEntry {
  cveID: string;
  knownRansomwareCampaignUse: string;
}

describe("parseKev", () => {
  const bytes = fixture("threat", "cisa-kev.json");
  const source = JSON.parse(new TextDecoder().decode(bytes)) as { vulnerabilities: KevEntry[] };

  test("the real catalogue: one item per entry, keyed and typed by CVE", () => {
    const items = parseKev(bytes);
    expect(items).toHaveLength(1404);
    expect(items.map((i) => i.key)).toEqual(source.vulnerabilities.map((v) => v.cveID));
    for (const item of items) expect(item.indicators).toEqual([`cve:${item.key}`]);
    const known = source.vulnerabilities.filter((v) => v.knownRansomwareCampaignUse === "Known").length;
    expect(items.filter((i) => i.threatLevel === "critical")).toHaveLength(known);
    expect(items.filter((i) => i.threatLevel === "high")).toHaveLength(1404 - known);
  });

  test("the first entry in full", () => {
    expect(parseKev(bytes)[0]).toEqual({
      key: "CVE-2025-48384",
      title: "Git Git: Git Link Following Vulnerability",
      description:
        "Git contains a link following vulnerability that stems from Git’s inconsistent handling of carriage return characters in configuration files. Required action: Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable. Due date: 2025-09-15.",
      link: "https://nvd.nist.gov/vuln/detail/CVE-2025-48384",
      published: Date.UTC(2025, 7, 25),
      indicators: ["cve:CVE-2025-48384"],
      threatLevel: "high",
      tags: ["CWE-59", "CWE-436"],
    });
  });

  test("a malformed entry refuses the catalogue, naming it", () => {
    const bad = structuredClone(source) as unknown as { vulnerabilities: Record<string, unknown>[] };
    bad.vulnerabilities[7]!.cveID = "CVE-25-1";
    let err: unknown;
    try {
      parseKev(utf8(JSON.stringify(bad)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TacError);
    expect((err as TacError).path).toBe("vulnerabilities[7].cveID");
    expect(() => parseKev(utf8('{"vulnerabilities":[]}'))).toThrow("not a CISA KEV catalogue");
  });
});
