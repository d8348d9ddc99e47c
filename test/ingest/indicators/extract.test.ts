import { describe, expect, test } from "bun:test";
import { extractIndicators } from "../../../src/ingest/indicators/extract.ts";

describe("extractIndicators", () => {
  test("a threat report paragraph, defanged", () => {
    const text = `The loader (SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855) beacons to
      hxxps://update[.]evil-cdn[.]com/gate.php and 185.220.101[.]4, falls back to 2001:db8::42, and mails
      stolen data to drop@evil-cdn.ru. It exploits CVE-2017-11882 (see https://nvd.nist.gov/vuln/detail/CVE-2017-11882).
      Staging domain: files.evil-cdn.com.`;
    expect(extractIndicators(text)).toEqual([
      "url:https://update.evil-cdn.com/gate.php",
      "url:https://nvd.nist.gov/vuln/detail/CVE-2017-11882",
      "email:drop@evil-cdn.ru",
      "ipv4:185.220.101.4",
      "ipv6:2001:db8::42",
      "cve:CVE-2017-11882",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "domain:files.evil-cdn.com",
    ]);
  });

  test("versions, times, code and file names are not indicators", () => {
    const text =
      "Update to 1.2.3 or v1.2.3.4 (version 10.0.0.1), Chrome 120.0.6099.109, 1.2.3.4.5, 999.1.1.1, at 12:30:45. " +
      "Call std::vector or a::b. Open README.md, run setup.sh, unpack invoice.zip, Node.js and e.g. i.e. " +
      "0123456789012345678901234567890123 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    expect(extractIndicators(text)).toEqual([]);
  });

  test("de-duplicated, with indicators inside URLs and addresses not repeated", () => {
    expect(
      extractIndicators("evil.com EVIL.com http://evil.com/x http://evil.com/x 1.1.1.1 1.1.1.1"),
    ).toEqual(["url:http://evil.com/x", "ipv4:1.1.1.1", "domain:evil.com"]);
  });

  test("URL punctuation: trailing dots and unbalanced parentheses are not part of it", () => {
    expect(extractIndicators("(see http://a.com/x). And http://b.com/wiki/A_(b).")).toEqual([
      "url:http://a.com/x",
      "url:http://b.com/wiki/A_(b)",
    ]);
  });

  test("bounded: at most max indicators, and only the first maxScan characters", () => {
    const many = Array.from({ length: 500 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(" ");
    expect(extractIndicators(many)).toHaveLength(100);
    expect(extractIndicators(many, { max: 5 })).toHaveLength(5);
    expect(extractIndicators(`${"x ".repeat(1000)}1.2.3.4`, { maxScan: 100 })).toEqual([]);
  });

  test("linear time on hostile input", () => {
    const hostile = [
      "a".repeat(200_000),
      "a-".repeat(100_000),
      "1.".repeat(100_000),
      "a.".repeat(100_000),
      ":".repeat(200_000),
      "a:".repeat(100_000),
      `${"x".repeat(60)}@`.repeat(3_000),
      "0".repeat(200_000),
    ];
    for (const text of hostile) {
      const t0 = performance.now();
      extractIndicators(text);
      expect(performance.now() - t0).toBeLessThan(500);
    }
  });
});
