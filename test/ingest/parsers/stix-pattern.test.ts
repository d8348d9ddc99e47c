import { describe, expect, test } from "bun:test";
import { patternIndicators } from "../../../src/ingest/parsers/stix-pattern.ts";

describe("patternIndicators", () => {
  test.each([
    ["[ipv4-addr:value = '1.2.3.4']", ["ipv4:1.2.3.4"]],
    ["[ ipv6-addr:value = '2001:DB8:0:0:0:0:0:1' ]", ["ipv6:2001:db8::1"]],
    ["[domain-name:value='Evil.COM']", ["domain:evil.com"]],
    ["[url:value = 'http://evil.com/a\\'b']", ["url:http://evil.com/a'b"]],
    ["[email-addr:value = 'x@evil.com']", ["email:x@evil.com"]],
    ["[email-message:from_ref.value = 'a@evil.com']", ["email:a@evil.com"]],
    [
      "[file:hashes.'SHA-256' = 'EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C']",
      ["sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"],
    ],
    ["[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", ["md5:d41d8cd98f00b204e9800998ecf8427e"]],
    [
      "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709' AND file:name = 'a.exe']",
      ["sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ],
    [
      "[ipv4-addr:value = '1.1.1.1' OR domain-name:value = 'a.com'] AND [url:value = 'https://b.com/']",
      ["ipv4:1.1.1.1", "domain:a.com", "url:https://b.com/"],
    ],
    ["[ipv4-addr:value IN ('1.1.1.1', '2.2.2.2')]", ["ipv4:1.1.1.1", "ipv4:2.2.2.2"]],
    ["[network-traffic:dst_ref.value = '9.9.9.9']", ["ipv4:9.9.9.9"]],
  ])("%s", (pattern, expected) => {
    expect(patternIndicators(pattern)).toEqual(expected);
  });

  test("negations, inequalities, MATCHES/LIKE and unknown observables give nothing", () => {
    for (const p of [
      "[ipv4-addr:value NOT = '1.2.3.4']",
      "[ipv4-addr:value != '1.2.3.4']",
      "[email-message:subject MATCHES '^x']",
      "[domain-name:value LIKE '%.evil.com']",
      "[x509-certificate:issuer = 'CN=WEBMAIL']",
      "[file:name = 'a.exe']",
      "[ipv4-addr:value = 'not an ip']",
      "",
    ]) {
      expect(patternIndicators(p)).toEqual([]);
    }
  });

  test("a malformed long list ends quickly", () => {
    const p = `[ipv4-addr:value IN ('1.1.1.1'${" ,  'x'".repeat(20_000)}]`;
    const t0 = performance.now();
    patternIndicators(p);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
