import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseMispEvent, parseMispManifest } from "../../../src/ingest/parsers/misp.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { utf8 } from "./fixtures.ts";

// Shaped like the files of a MISP "feed" (manifest.json and <uuid>.json as MISP exports them).
const manifest = {
  "5e6a6b3c-1f1c-4c8e-9d3a-0a1b2c3d4e5f": {
    Orgc: { id: "2", name: "CIRCL", uuid: "55f6ea5e-2c60-40e5-964f-47a8950d210f" },
    Tag: [{ colour: "#ffffff", name: "tlp:white" }],
    info: "OSINT - Emotet epoch 5 infrastructure",
    date: "2024-03-12",
    analysis: 2,
    threat_level_id: "1",
    timestamp: "1710252000",
  },
  "0b8f2c8e-6a43-4d61-8f1e-5c0d0e9a7b21": {
    Orgc: { id: "2", name: "CIRCL", uuid: "55f6ea5e-2c60-40e5-964f-47a8950d210f" },
    Tag: [{ colour: "#ffffff", name: "tlp:green" }],
    info: "Phishing kit targeting banks",
    date: "2024-01-05",
    analysis: 1,
    threat_level_id: "3",
    timestamp: 1704450000,
  },
};

const SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const event = {
  Event: {
    id: "1234",
    uuid: "5e6a6b3c-1f1c-4c8e-9d3a-0a1b2c3d4e5f",
    info: "OSINT - Emotet epoch 5 infrastructure",
    date: "2024-03-12",
    threat_level_id: "1",
    analysis: "2",
    published: true,
    timestamp: "1710252000",
    publish_timestamp: "1710252100",
    Orgc: { id: "2", name: "CIRCL", uuid: "55f6ea5e-2c60-40e5-964f-47a8950d210f" },
    Tag: [
      { colour: "#ffffff", exportable: true, name: "tlp:white" },
      { colour: "#0088cc", exportable: true, name: 'misp-galaxy:malpedia="Emotet"' },
    ],
    Attribute: [
      {
        category: "Network activity",
        comment: "C2",
        to_ids: true,
        type: "ip-dst",
        uuid: "a1",
        value: "185.220.101.4",
      },
      { category: "Network activity", to_ids: true, type: "ip-src", uuid: "a2", value: "2001:DB8::1" },
      {
        category: "Network activity",
        to_ids: true,
        type: "domain",
        uuid: "a3",
        value: "update.evil-cdn.com",
      },
      { category: "Network activity", to_ids: true, type: "hostname", uuid: "a4", value: "C2.Evil-CDN.com" },
      {
        category: "Network activity",
        to_ids: true,
        type: "url",
        uuid: "a5",
        value: "http://evil-cdn.com/gate.php",
      },
      {
        category: "Payload delivery",
        to_ids: true,
        type: "md5",
        uuid: "a6",
        value: "d41d8cd98f00b204e9800998ecf8427e",
      },
      {
        category: "Payload delivery",
        to_ids: true,
        type: "sha1",
        uuid: "a7",
        value: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
      },
      {
        category: "Payload delivery",
        to_ids: "1",
        type: "email-src",
        uuid: "a8",
        value: "billing@evil-cdn.com",
      },
      {
        category: "External analysis",
        to_ids: true,
        type: "vulnerability",
        uuid: "a9",
        value: "CVE-2017-11882",
      },
      {
        category: "Network activity",
        to_ids: true,
        type: "ip-dst|port",
        uuid: "a10",
        value: "45.77.1.2|8080",
      },
      {
        category: "Payload delivery",
        to_ids: true,
        type: "filename|sha256",
        uuid: "a11",
        value: `invoice.doc|${SHA256}`,
      },
      {
        category: "Network activity",
        to_ids: false,
        type: "domain",
        uuid: "a12",
        value: "benign.example.org",
      },
      { category: "Other", to_ids: false, type: "text", uuid: "a13", value: "seen on 12 March" },
      { category: "Network activity", to_ids: true, type: "ip-dst", uuid: "a14", value: "not-an-ip" },
    ],
    Object: [
      {
        name: "file",
        "meta-category": "file",
        Attribute: [
          { object_relation: "sha256", to_ids: true, type: "sha256", value: SHA256.replace("e3", "f4") },
          { object_relation: "filename", to_ids: false, type: "filename", value: "loader.exe" },
        ],
      },
    ],
  },
};

describe("parseMispManifest", () => {
  test("events with their timestamps (ms), oldest change first; level and tags", () => {
    expect(parseMispManifest(utf8(JSON.stringify(manifest)))).toEqual([
      {
        uuid: "0b8f2c8e-6a43-4d61-8f1e-5c0d0e9a7b21",
        timestamp: 1_704_450_000_000,
        info: "Phishing kit targeting banks",
        threatLevel: "low",
        tags: ["tlp:green"],
      },
      {
        uuid: "5e6a6b3c-1f1c-4c8e-9d3a-0a1b2c3d4e5f",
        timestamp: 1_710_252_000_000,
        info: "OSINT - Emotet epoch 5 infrastructure",
        threatLevel: "high",
        tags: ["tlp:white"],
      },
    ]);
  });

  test("an entry without a timestamp, or a document that is not an object, is refused", () => {
    expect(() => parseMispManifest(utf8('{"x":{"info":"a"}}'))).toThrow("x.timestamp");
    expect(() => parseMispManifest(utf8("[]"))).toThrow("must be a JSON object");
    expect(() => parseMispManifest(utf8('{"x":{"timestamp":"never"}}'))).toThrow(TacError);
  });
});

describe("parseMispEvent", () => {
  test("one item; IDS attributes (objects included) become typed indicators; TLP kept in tags", () => {
    const [item, ...rest] = parseMispEvent(utf8(JSON.stringify(event)));
    expect(rest).toEqual([]);
    expect(item).toEqual({
      key: "5e6a6b3c-1f1c-4c8e-9d3a-0a1b2c3d4e5f",
      title: "OSINT - Emotet epoch 5 infrastructure",
      description: "Organisation: CIRCL. Date: 2024-03-12. Analysis: completed. Attributes: 16 (13 for IDS)",
      indicators: [
        "ipv4:185.220.101.4",
        "ipv6:2001:db8::1",
        "domain:update.evil-cdn.com",
        "domain:c2.evil-cdn.com",
        "url:http://evil-cdn.com/gate.php",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "email:billing@evil-cdn.com",
        "cve:CVE-2017-11882",
        "ipv4:45.77.1.2",
        `sha256:${SHA256}`,
        `sha256:${SHA256.replace("e3", "f4")}`,
      ],
      published: 1_710_252_000_000,
      threatLevel: "high",
      tags: ["tlp:white", 'misp-galaxy:malpedia="Emotet"'],
      tlp: "white",
    });
  });

  test("threat levels 1..4 → high, medium, low, info", () => {
    const level = (id: string) =>
      parseMispEvent(utf8(JSON.stringify({ Event: { uuid: "u", info: "i", threat_level_id: id } })))[0]!
        .threatLevel;
    expect(["1", "2", "3", "4"].map(level)).toEqual(["high", "medium", "low", "info"]);
    expect(level("7")).toBeUndefined();
  });

  test("not an event: a VALIDATION error naming the field", () => {
    let err: unknown;
    try {
      parseMispEvent(utf8(JSON.stringify({ Event: { info: "no uuid" } })));
    } catch (e) {
      err = e;
    }
    expect((err as TacError).code).toBe("VALIDATION");
    expect((err as TacError).path).toBe("Event.uuid");
    expect(() => parseMispEvent(utf8('{"Event":{"uuid":"u","Attribute":[{"type":"ip-dst"}]}}'))).toThrow(
      "Event.Attribute[0].value",
    );
  });
});

describe("MISP attributes keep what they carry (the CIRCL event, with attributes as MISP writes them)", () => {
  const real = JSON.parse(
    readFileSync(
      `${import.meta.dir}/../../fixtures/threat/misp/57c4445b-c548-4654-af0b-4be3950d210f.json`,
      "utf8",
    ),
  ) as { Event: { Attribute: Record<string, unknown>[] } };
  test("malware-sample and filename|hash keep the hash; a url without a scheme stays; attribute tags travel", () => {
    const e = structuredClone(real);
    const md5 = "d41d8cd98f00b204e9800998ecf8427e";
    e.Event.Attribute.push(
      { type: "malware-sample", value: `3Z4wnG9603it23y.exe|${md5}`, to_ids: true },
      {
        type: "filename|sha1",
        value: "a.exe|da39a3ee5e6b4b0d3255bfef95601890afd80709",
        to_ids: true,
        Tag: [{ name: "tlp:amber" }],
      },
      { type: "url", value: "evil.example.com/gate.php", to_ids: true },
    );
    const [item] = parseMispEvent(utf8(JSON.stringify(e)));
    expect(item!.indicators).toContain(`md5:${md5}`);
    expect(item!.indicators).toContain("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(item!.indicators.some((i) => i.includes("evil.example.com"))).toBe(true);
    expect(item!.tags).toContain("tlp:amber");
    expect(item!.tlp).toBe("amber");
  });
});
