import { describe, expect, test } from "bun:test";
import { TacError } from "../../src/protocol/errors.ts";
import { createOriginPolicy } from "../../src/security/origin.ts";

describe("createOriginPolicy", () => {
  const policy = createOriginPolicy(
    "https://app.example.com, http://localhost:5173,https://*.intel.example.org",
  );

  test("exact origins", () => {
    expect(policy.allows("https://app.example.com")).toBe(true);
    expect(policy.allows("http://localhost:5173")).toBe(true);
    expect(policy.allows("http://localhost:5174")).toBe(false);
    expect(policy.allows("http://app.example.com")).toBe(false);
    expect(policy.allows("https://app.example.com.evil.com")).toBe(false);
  });

  test("wildcard subdomains at any depth, never the apex, a look-alike, another scheme or port", () => {
    expect(policy.allows("https://a.intel.example.org")).toBe(true);
    expect(policy.allows("https://a.b.intel.example.org")).toBe(true);
    expect(policy.allows("https://intel.example.org")).toBe(false);
    expect(policy.allows("https://evilintel.example.org")).toBe(false);
    expect(policy.allows("https://a.intel.example.org.evil.com")).toBe(false);
    expect(policy.allows("http://a.intel.example.org")).toBe(false);
    expect(policy.allows("https://a.intel.example.org:8443")).toBe(false);
  });

  test("non-canonical and opaque origins are refused; a missing Origin is not a browser", () => {
    for (const o of [
      "null",
      "",
      "https://app.example.com/",
      "https://APP.example.com",
      "https://x@app.example.com",
      "app.example.com",
    ]) {
      expect(policy.allows(o)).toBe(false);
    }
    expect(policy.allows(null)).toBe(true);
    expect(policy.allows(undefined)).toBe(true);
  });

  test("entries are normalised like browser origins", () => {
    const p = createOriginPolicy(["HTTPS://App.Example.com:443", "https://*.Corp.Example.com"]);
    expect(p.allows("https://app.example.com")).toBe(true);
    expect(p.allows("https://x.corp.example.com")).toBe(true);
  });

  test("* allows any; CORS echoes an allowed origin", () => {
    const any = createOriginPolicy("*");
    expect(any.any).toBe(true);
    expect(any.allows("https://whatever.test")).toBe(true);
    expect(any.corsOrigin(null)).toBe("*");
    expect(policy.corsOrigin("https://app.example.com")).toBe("https://app.example.com");
    expect(policy.corsOrigin("https://evil.test")).toBeNull();
    expect(policy.any).toBe(false);
  });

  test("bad entries are configuration errors naming the entry", () => {
    for (const bad of [
      "app.example.com",
      "https://example.com/path",
      "https://*.com",
      "ftp://*.example.com/x",
      "https://*",
    ]) {
      expect(() => createOriginPolicy(["https://ok.example.com", bad])).toThrow(TacError);
    }
    expect(createOriginPolicy("").allows("https://app.example.com")).toBe(false);
  });
});
