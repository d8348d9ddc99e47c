import { describe, expect, test } from "bun:test";
import { isPublicSuffix, productionProblems, type SecuritySettings } from "../../src/security/production.ts";
import { secretWeakness } from "../../src/security/secret-strength.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

const fit: SecuritySettings = {
  auth: true,
  requireExp: true,
  allowQueryToken: false,
  allowedOrigins: ["https://console.example.com"],
  encryption: true,
  audit: true,
  tokenSecretBytes: 48,
  metricsToken: true,
  auditWritable: true,
  clockToleranceSec: 5,
  secrets: [
    { name: "TOKEN_SECRET", bytes: bytes("kV9#xq2!Lm7@pR4$zT8&wN3*bH6^cJ1%"), minBytes: 32 },
    { name: "WEBHOOK_SECRETS (feed hooks.github)", bytes: bytes("Zr8-Qw3_Ly6.Pk1"), minBytes: 15 },
  ],
};

describe("productionProblems", () => {
  test("a fit configuration has none", () => {
    expect(productionProblems(fit)).toEqual([]);
  });

  test("each missing safeguard is named", () => {
    const cases: [Partial<SecuritySettings>, string][] = [
      [{ auth: false }, "authentication is off"],
      [{ requireExp: false }, "TOKEN_REQUIRE_EXP"],
      [{ tokenSecretBytes: 16 }, "shorter than 32"],
      [{ allowQueryToken: true }, "TOKEN_IN_QUERY"],
      [{ allowedOrigins: ["*"] }, "ALLOWED_ORIGINS"],
      [{ allowedOrigins: [] }, "ALLOWED_ORIGINS"],
      [{ encryption: false }, "ENCRYPTION_KEYS"],
      [{ audit: false }, "AUDIT_LOG"],
      [{ auditWritable: false }, "AUDIT_LOG cannot be opened for writing"],
      [{ metricsToken: false }, "METRICS_TOKEN"],
      [{ clockToleranceSec: 3600 }, "TOKEN_CLOCK_TOLERANCE is over 300 seconds"],
      [
        { allowedOrigins: ["http://console.example.com"] },
        "ALLOWED_ORIGINS entry http://console.example.com is http://",
      ],
      [
        { allowedOrigins: ["https://*.co.uk"] },
        "ALLOWED_ORIGINS entry https://*.co.uk covers a public suffix",
      ],
      [
        { allowedOrigins: ["https://ok.example.com", "https://*.com.au"] },
        "https://*.com.au covers a public suffix",
      ],
      [
        { secrets: [{ name: "TOKEN_SECRET", bytes: bytes("a".repeat(32)), minBytes: 32 }] },
        "TOKEN_SECRET is one character repeated",
      ],
      [
        { secrets: [{ name: "TOKEN_SECRET", bytes: bytes("ab".repeat(24)), minBytes: 32 }] },
        "TOKEN_SECRET has only 2 distinct bytes",
      ],
      [
        { secrets: [{ name: "WEBHOOK_SECRETS (feed hooks.github)", bytes: bytes("x"), minBytes: 16 }] },
        "WEBHOOK_SECRETS (feed hooks.github) is shorter than 16 bytes",
      ],
      [
        { secrets: [{ name: "ENCRYPTION_KEYS (key k1)", bytes: new Uint8Array(32), minBytes: 32 }] },
        "ENCRYPTION_KEYS (key k1) is all zero bytes",
      ],
    ];
    for (const [change, words] of cases) {
      const problems = productionProblems({ ...fit, ...change });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(words);
    }
  });
});

describe("weak secrets and public suffixes", () => {
  test("secretWeakness refuses placeholders and keeps random-looking secrets", () => {
    expect(secretWeakness(bytes("0".repeat(32)), 32)).toBe("is one character repeated");
    expect(secretWeakness(new Uint8Array(32), 32)).toBe("is all zero bytes");
    expect(secretWeakness(bytes("x"), 16)).toBe("is shorter than 16 bytes");
    expect(secretWeakness(crypto.getRandomValues(new Uint8Array(32)), 32)).toBeUndefined();
  });

  test("wildcards over shared suffixes are refused, over one organisation's domain kept", () => {
    for (const base of ["com", "co.uk", "com.au", "org.nz", "github.io"])
      expect(isPublicSuffix(base)).toBe(true);
    for (const base of ["example.com", "example.co.uk", "bbc.co.uk", "corp.io"])
      expect(isPublicSuffix(base)).toBe(false);
  });
});
