import { describe, expect, test } from "bun:test";
import {
  classifyIndicator,
  hashTypeOf,
  indicatorType,
  normalizeIndicator,
  refang,
} from "../../../src/ingest/indicators/normalize.ts";

describe("normalizeIndicator", () => {
  test.each([
    ["ipv4", "10.0.0.1", "ipv4:10.0.0.1"],
    ["ipv4", "223.166.0.0/15", "ipv4:223.166.0.0/15"],
    ["ipv4", "256.1.1.1", undefined],
    ["ipv4", "01.2.3.4", undefined],
    ["ipv6", "2001:DB8:0:0:0:0:0:1", "ipv6:2001:db8::1"],
    ["ipv6", "fe80::1/64", "ipv6:fe80::1/64"],
    ["ipv6", "12:30:45", undefined],
    ["domain", "Evil.COM.", "domain:evil.com"],
    ["domain", "bücher.example", "domain:xn--bcher-kva.example"],
    ["domain", "domain evil.com", undefined],
    ["domain", "1.2.3.4", undefined],
    ["url", "HTTP://Evil.com/a b", "url:http://evil.com/a%20b"],
    ["url", "/relative", undefined],
    ["email", "Bad.Guy@EVIL.com", "email:Bad.Guy@evil.com"],
    ["email", "no-at.example", undefined],
    ["md5", "D41D8CD98F00B204E9800998ECF8427E", "md5:d41d8cd98f00b204e9800998ecf8427e"],
    ["sha1", "d41d8cd98f00b204e9800998ecf8427e", undefined],
    ["cve", "cve-2024-3400", "cve:CVE-2024-3400"],
    ["cve", "CVE-24-1", undefined],
  ] as const)("%s %s", (type, value, expected) => {
    expect(normalizeIndicator(type, value)).toBe(expected);
  });
});

describe("classifyIndicator", () => {
  test.each([
    ["1.2.3.4", "ipv4:1.2.3.4"],
    ["2001:db8::1", "ipv6:2001:db8::1"],
    ["evil[.]com", "domain:evil.com"],
    ["hxxps://evil[.]com/x", "url:https://evil.com/x"],
    ["a@evil.com", "email:a@evil.com"],
    ["da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ["CVE-2021-44228", "cve:CVE-2021-44228"],
    ["ipv4:8.8.8.8", "ipv4:8.8.8.8"],
    ["ipv4:evil.com", undefined],
    ["just words", undefined],
    ["", undefined],
  ])("%s", (value, expected) => {
    expect(classifyIndicator(value)).toBe(expected);
  });
});

describe("helpers", () => {
  test("refang, indicatorType, hashTypeOf", () => {
    expect(refang("hxxp://evil[.]com[:]8080 a[@]b(dot)c [at] d{.}e fxp://f")).toBe(
      "http://evil.com:8080 a@b.c @ d.e ftp://f",
    );
    expect(indicatorType("sha256:abc")).toBe("sha256");
    expect(indicatorType("http://x")).toBeUndefined();
    expect(hashTypeOf("'SHA-256'")).toBe("sha256");
    expect(hashTypeOf("md5")).toBe("md5");
    expect(hashTypeOf("SHA-512")).toBeUndefined();
    expect(hashTypeOf("constructor")).toBeUndefined();
  });
});
