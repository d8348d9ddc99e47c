import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { NormalizedItem } from "../../../src/ingest/item.ts";
import { parseStixBundle, stixObjectsToItems } from "../../../src/ingest/parsers/stix.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { FIXTURES, fixture, utf8 } from "./fixtures.ts";

const parse = (name: string) => parseStixBundle(fixture("threat", "stix", name));
const byTitle = (items: NormalizedItem[], title: string) => items.find((i) => i.title === title)!;
/** Indicators of the indicator objects only: what the patterns themselves say. */
const patternValues = (items: NormalizedItem[]) =>
  new Set(items.filter((i) => i.key.startsWith("indicator--")).flatMap((i) => i.indicators));

describe("stix: the OASIS example bundles", () => {
  test("every bundle in fixtures/threat/stix parses", () => {
    const files = readdirSync(join(FIXTURES, "threat", "stix")).filter((f) => f.endsWith(".json"));
    expect(files.length).toBe(7);
    for (const f of files) expect(parse(f).length).toBeGreaterThan(0);
  });

  test("indicator-for-c2-ip-address: one indicator, ipv4:10.0.0.0", () => {
    const items = parse("indicator-for-c2-ip-address.json");
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      key: "indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
      title: "Indicator: IP Address for known C2 channel",
      indicators: ["ipv4:10.0.0.0"],
      tags: ["malicious-activity"],
    });
    expect(items[0]!.published).toBe(Date.parse("2014-05-08T09:00:00.000Z"));
    expect(items[0]!.description).toBe("Test description C2 channel.");
  });

  test("indicator-to-campaign-relationship: the relation is told in the indicator's description", () => {
    const items = parse("indicator-to-campaign-relationship.json");
    expect(items.map((i) => i.title).sort()).toEqual(["Campaign: Operation Omega", "Indicator: test_name"]);
    const indicator = byTitle(items, "Indicator: test_name");
    expect(indicator.indicators).toEqual(["ipv4:10.0.0.0"]);
    expect(indicator.description).toContain("Related: indicates campaign Operation Omega.");
  });

  test("indicators-for-C2-with-COA: an IP and a SHA-256; the course of action mitigates the malware", () => {
    const items = parse("indicators-for-C2-with-COA.json");
    expect([...patternValues(items)].sort()).toEqual([
      "ipv4:10.0.0.0",
      "sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
    ]);
    const coa = items.find((i) => i.title.startsWith("Course of action:"))!;
    expect(coa.description).toContain("mitigates malware Poison Ivy");
  });

  test("infrastructure: consists-of observables become the infrastructure's indicators", () => {
    const items = parse("infrastructure.json");
    expect(byTitle(items, "Infrastructure: Poison Ivy C2").indicators).toEqual(["ipv4:198.51.100.3"]);
    expect(byTitle(items, "Infrastructure: Example target-list-hosting").indicators).toEqual([
      "domain:example.com",
    ]);
    expect(byTitle(items, "Malware: IMDDOS").description).toBe(
      "Related: uses infrastructure Example target-list-hosting.",
    );
  });

  test("malicious-email-indicator-with-attachment: MATCHES patterns state no single value", () => {
    const items = parse("malicious-email-indicator-with-attachment.json");
    expect(items).toHaveLength(3);
    for (const item of items) expect(item.indicators).toEqual([]);
  });

  test("apt1: CIDRs, domains and MD5s; x509 patterns give nothing; the report carries them all", () => {
    const items = parse("apt1.json");
    const expected = [
      "ipv4:223.166.0.0/15",
      "ipv4:58.246.0.0/15",
      "ipv4:112.64.0.0/15",
      "ipv4:139.226.0.0/15",
      "domain:hugesoft.org",
      "domain:arrowservice.net",
      "domain:msnhome.org",
      "md5:001dd76872d80801692ff942308c64e6",
      "md5:002325a0a67fded0381b5648d7fe9b8e",
      "md5:00dbb9e1c09dbdafb360f3163ba5a3de",
    ];
    expect([...patternValues(items)].sort()).toEqual([...expected].sort());
    const report = items.find((i) => i.key.startsWith("report--"))!;
    expect([...report.indicators].sort()).toEqual([...expected].sort());
    expect(items.filter((i) => i.key.startsWith("relationship--") || i.key.startsWith("identity--"))).toEqual(
      [],
    );
    expect(byTitle(items, "Threat actor: Ugly Gorilla").description).toContain("uses malware MANITSME");
  });

  test("poisonivy: every domain and IP of the OR patterns, CVEs from the vulnerabilities", () => {
    const items = parse("poisonivy.json");
    const domains = [
      "www.webserver.dynssl.com",
      "www.webserver.freetcp.com",
      "www.webserver.fartit.com",
      "microsofta.byinter.net",
      "microsoftb.byinter.net",
      "microsoftc.byinter.net",
      "microsofte.byinter.net",
      "nkr.iphone.qpoe.com",
      "e.ct.toh.info",
      "js001.3322.org",
      "apple.cmdnetview.com",
      // The source's pattern says 'domain autuo.xicp.net': the domain inside it is kept.
      "autuo.xicp.net",
      "tw.2012yearleft.com",
      "dedydns.ns01.us",
      "maofajapa.3322.org",
      "send.have8000.com",
      "fbi.zyns.com",
      "weile3322b.3322.org",
      "ngcc.8800.org",
      "sh.chromeenter.com",
      "mf.ddns.info",
      "av.ddns.us",
      "jj.mysecondarydns.com",
      "mongoles.3322.org",
      "3q.wubangtu.info",
    ];
    const ips = [
      "219.76.208.163",
      "113.10.246.30",
      "219.90.112.203",
      "75.126.95.138",
      "219.90.112.197",
      "202.65.222.45",
      "202.65.220.64",
      "98.126.148.114",
      "180.210.206.96",
      "101.78.151.179",
      "60.10.1.120",
      "60.10.1.115",
      "60.10.1.114",
      "60.1.1.114",
      "60.10.1.121",
      "60.10.1.118",
      "60.2.148.167",
      "123.183.210.28",
    ];
    const expected = [...domains.map((d) => `domain:${d}`), ...ips.map((ip) => `ipv4:${ip}`)].sort();
    expect([...patternValues(items)].sort()).toEqual(expected);
    const cves = items.filter((i) => i.key.startsWith("vulnerability--")).flatMap((i) => i.indicators);
    expect(cves.sort()).toEqual(
      [
        "CVE-2009-4324",
        "CVE-2010-3333",
        "CVE-2011-3544",
        "CVE-2012-0158",
        "CVE-2013-0422",
        "CVE-2013-1347",
      ].map((c) => `cve:${c}`),
    );
    const report = items.find((i) => i.key.startsWith("report--"))!;
    expect(report.title).toBe("Poison Ivy: Assessing Damage and Extracting Intelligence");
    expect(report.published).toBe(Date.parse("2013-08-21T00:00:00.000Z"));
    for (const i of [...expected, ...cves]) expect(report.indicators).toContain(i);
  });
});

describe("stix: objects", () => {
  test("revoked objects are skipped; confidence 0..100 becomes 0..1; attack ids become tags", () => {
    const items = stixObjectsToItems([
      { type: "malware", id: "malware--1", name: "Old", revoked: true },
      {
        type: "attack-pattern",
        id: "attack-pattern--1",
        name: "Phishing",
        confidence: 80,
        external_references: [
          {
            source_name: "mitre-attack",
            external_id: "T1566",
            url: "https://attack.mitre.org/techniques/T1566",
          },
        ],
      },
    ]);
    expect(items).toEqual([
      {
        key: "attack-pattern--1",
        title: "Attack pattern: Phishing",
        description: "",
        indicators: [],
        link: "https://attack.mitre.org/techniques/T1566",
        confidence: 0.8,
        tags: ["T1566"],
      },
    ]);
  });

  test("not a bundle, or an object without an id: a VALIDATION error naming the place", () => {
    const cases: [string, string][] = [
      ['{"type":"report","id":"x"}', "bundle"],
      ['{"type":"bundle","objects":[{"type":"indicator"}]}', "objects[0].id"],
      ["[1,2", "not valid JSON"],
    ];
    for (const [doc, mention] of cases) {
      let err: unknown;
      try {
        parseStixBundle(utf8(doc));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).code).toBe("VALIDATION");
      expect((err as TacError).message).toContain(mention);
    }
  });

  test("an empty bundle has no items", () => {
    expect(parseStixBundle(utf8('{"type":"bundle","id":"bundle--1"}'))).toEqual([]);
  });
});

describe("STIX facts kept on the item", () => {
  test("object id + modified, and the TLP marking (well-known id or a definition on the page)", () => {
    const base = {
      type: "indicator",
      spec_version: "2.1",
      created: "2024-01-01T00:00:00.000Z",
      modified: "2024-02-01T00:00:00.000Z",
      name: "bad ip",
      pattern: "[ipv4-addr:value = '203.0.113.9']",
      pattern_type: "stix",
      valid_from: "2024-01-01T00:00:00Z",
    };
    const items = stixObjectsToItems([
      {
        ...base,
        id: "indicator--a",
        object_marking_refs: ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
      },
      { ...base, id: "indicator--b", object_marking_refs: ["marking-definition--x"] },
      { type: "marking-definition", id: "marking-definition--x", name: "TLP:RED", definition_type: "tlp" },
      { ...base, id: "indicator--c" },
    ] as never);
    const by = (id: string) => items.find((i) => i.key === id)!;
    expect(by("indicator--a").stix).toEqual({ id: "indicator--a", modified: "2024-02-01T00:00:00.000Z" });
    expect(by("indicator--a").tlp).toBe("amber");
    expect(by("indicator--b").tlp).toBe("red");
    expect(by("indicator--c").tlp).toBeUndefined();
  });
});
