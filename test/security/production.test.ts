import { describe, expect, test } from "bun:test";
import { productionProblems, type SecuritySettings } from "../../src/security/production.ts";

const fit: SecuritySettings = {
  auth: true,
  requireExp: true,
  allowQueryToken: false,
  allowedOrigins: ["https://console.example.com"],
  encryption: true,
  audit: true,
  tokenSecretBytes: 48,
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
    ];
    for (const [change, words] of cases) {
      const problems = productionProblems({ ...fit, ...change });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(words);
    }
  });
});
