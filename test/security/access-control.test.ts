import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/log.ts";
import { createSecurity } from "../../src/security/access-control.ts";
import { EventBus } from "../../src/server/events.ts";

const dir = mkdtempSync(join(tmpdir(), "ts-prod-sec-"));
const randomKey = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
const fit = {
  NODE_ENV: "production",
  TOKEN_SECRET: "kV9#xq2!Lm7@pR4$zT8&wN3*bH6^cJ1%",
  TOKEN_REQUIRE_EXP: "true",
  TOKEN_IN_QUERY: "false",
  ALLOWED_ORIGINS: "https://console.example.com,https://*.example.co.uk",
  ENCRYPTION_KEYS: `k1:${randomKey()}`,
  AUDIT_LOG: join(dir, "audit.log"),
  METRICS_TOKEN: "m-Zr8-Qw3_Ly6.Pk1-xx",
  WEBHOOK_SECRETS: "hooks.github:Zr8-Qw3_Ly6.Pk1-yy",
};

async function refusal(env: Record<string, string>): Promise<string> {
  const log = createLogger("silent");
  const security = createSecurity(loadConfig({ ...fit, ...env }), log, new EventBus());
  return security.then(
    async (s) => {
      await s.close();
      throw new Error("expected production to refuse");
    },
    (e: Error) => e.message,
  );
}

describe("production mode refuses", () => {
  test("a fit configuration starts", async () => {
    const s = await createSecurity(loadConfig(fit), createLogger("silent"), new EventBus());
    await s.close();
  });

  test.each([
    [{ METRICS_TOKEN: "" }, "/metrics is open: set METRICS_TOKEN"],
    [{ ALLOWED_ORIGINS: "http://console.example.com" }, "is http://"],
    [{ ALLOWED_ORIGINS: "https://*.co.uk" }, "https://*.co.uk covers a public suffix"],
    [{ TOKEN_SECRET: "a".repeat(32) }, "TOKEN_SECRET is one character repeated"],
    [{ WEBHOOK_SECRETS: "hooks.github:x" }, "WEBHOOK_SECRETS (feed hooks.github) is shorter than 16 bytes"],
    [
      { ENCRYPTION_KEYS: `k0:${Buffer.alloc(32).toString("base64")}` },
      "ENCRYPTION_KEYS (key k0) is all zero bytes",
    ],
    [{ TOKEN_CLOCK_TOLERANCE: "3600" }, "TOKEN_CLOCK_TOLERANCE is over 300 seconds"],
  ])("%o", async (env, words) => {
    const message = await refusal(env);
    expect(message).toStartWith("NODE_ENV=production refuses to start");
    expect(message).toContain(words);
    expect(message.split("\n")).toHaveLength(1);
  });

  test("an AUDIT_LOG it cannot write", async () => {
    const locked = mkdtempSync(join(tmpdir(), "ts-prod-ro-"));
    chmodSync(locked, 0o500);
    try {
      // Root ignores permissions: a path under a regular file cannot be created by anyone.
      const target =
        process.getuid?.() === 0 ? join(fit.AUDIT_LOG, "sub", "audit.log") : join(locked, "audit.log");
      expect(await refusal({ AUDIT_LOG: target })).toContain("AUDIT_LOG cannot be opened for writing");
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

test("a removed encryption key is a start-up warning naming its id", async () => {
  const data = mkdtempSync(join(tmpdir(), "ts-keys-"));
  const lines: string[] = [];
  const start = async (keys: string) => {
    const log = createLogger("warn", (line) => lines.push(line));
    const s = await createSecurity(
      loadConfig({ DATA_DIR: data, ENCRYPTION_KEYS: keys }),
      log,
      new EventBus(),
    );
    await s.close();
  };
  const k1 = `k1:${randomKey()}`;
  const k2 = `k2:${randomKey()}`;
  await start(`${k2},${k1}`);
  expect(lines.filter((l) => l.includes("encryption key removed"))).toEqual([]);
  await start(k2);
  const warned = lines.filter((l) => l.includes("encryption key removed"));
  expect(warned).toHaveLength(1);
  expect(warned[0]).toContain('"kid":"k1"');
  expect(warned[0]).not.toContain(k1.slice(3));
});
