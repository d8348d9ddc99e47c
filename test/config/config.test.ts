import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { startServer } from "../helpers/server.ts";

test("defaults", () => {
  const c = loadConfig({});
  expect(c).toMatchObject({ PORT: 8080, DATA_DIR: "./data", JOURNAL_FSYNC: "always", MAX_PAYLOAD: 1048576 });
  expect(c.NATS_URL).toBeUndefined();
  expect(c.ALLOWED_ORIGINS).toEqual(["*"]);
});

test("a bad value names the variable in one line", () => {
  expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
  expect(() => loadConfig({ PORT: "eighty" })).toThrow(/^invalid PORT="eighty": must be a number$/);
  expect(() => loadConfig({ JOURNAL_FSYNC: "never" })).toThrow(/JOURNAL_FSYNC/);
  expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT.*65535/);
});

test("a secret is never echoed, even when it is wrong", () => {
  let message = "";
  try {
    loadConfig({ TOKEN_SECRET: "short-secret-value" });
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain("TOKEN_SECRET");
  expect(message).not.toContain("short-secret-value");
});

test("CONFIG_FILE is read, and the environment wins over it", () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-config-"));
  const file = join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ PORT: 9000, DATA_DIR: "/var/x" }));
  expect(loadConfig({ CONFIG_FILE: file })).toMatchObject({ PORT: 9000, DATA_DIR: "/var/x" });
  expect(loadConfig({ CONFIG_FILE: file, PORT: "9100" }).PORT).toBe(9100);
  writeFileSync(file, JSON.stringify({ PROT: 1 }));
  expect(() => loadConfig({ CONFIG_FILE: file })).toThrow(/unknown key PROT/);
});

test("the server refuses a bad config with one line on stderr and exit code 2", async () => {
  const proc = Bun.spawn([process.execPath, "src/runtime/bun.ts"], {
    cwd: join(import.meta.dir, "..", ".."),
    env: { ...process.env, PORT: "-1" },
    stderr: "pipe",
    stdout: "pipe",
  });
  const code = await proc.exited;
  const err = await new Response(proc.stderr).text();
  expect(code).toBe(2);
  expect(err.trim()).toBe('tacstream: invalid PORT="-1": must be ≥ 0');
});

test("production refuses to start without auth and encryption, saying what is missing", async () => {
  const proc = Bun.spawn([process.execPath, "src/runtime/bun.ts"], {
    cwd: join(import.meta.dir, "..", ".."),
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      DATA_DIR: mkdtempSync(join(tmpdir(), "ts-prod-")),
    },
    stderr: "pipe",
    stdout: "pipe",
  });
  expect(await proc.exited).toBe(2);
  const err = (await new Response(proc.stderr).text()).trim();
  expect(err.split("\n")).toHaveLength(1);
  expect(err).toContain("authentication is off");
  expect(err).toContain("ENCRYPTION_KEYS");
});

test("NODE_ENV is compared without case, and an unknown value is refused", () => {
  expect(loadConfig({ NODE_ENV: "Production" }).NODE_ENV).toBe("production");
  expect(loadConfig({ NODE_ENV: "TEST" }).NODE_ENV).toBe("test");
  expect(() => loadConfig({ NODE_ENV: "prod" })).toThrow(
    /^invalid NODE_ENV="prod": must be "development", "production" or "test"$/,
  );
  expect(() => loadConfig({ NODE_ENV: "staging" })).toThrow(ConfigError);
});

test("a near-miss variable gets one warning naming the key it resembles, and the server still starts", async () => {
  const server = await startServer({ LOG_LEVL: "debug" });
  try {
    const warning = await server.logged("unknown setting LOG_LEVL is ignored: did you mean LOG_LEVEL?");
    expect(warning.level).toBe("warn");
  } finally {
    await server.stop();
  }
});

test("regions: NATS_MIRROR and NATS_PRIMARY_DOMAIN together, with NATS_URL, and not the stream itself", () => {
  const url = { NATS_URL: "nats://127.0.0.1:4222" };
  expect(() => loadConfig({ ...url, NATS_MIRROR: "LOCAL" })).toThrow(/go together/);
  expect(() => loadConfig({ ...url, NATS_PRIMARY_DOMAIN: "iad" })).toThrow(/go together/);
  expect(() => loadConfig({ NATS_MIRROR: "LOCAL", NATS_PRIMARY_DOMAIN: "iad" })).toThrow(/needs NATS_URL/);
  expect(() => loadConfig({ ...url, NATS_MIRROR: "TACSTREAM", NATS_PRIMARY_DOMAIN: "iad" })).toThrow(
    /differ from NATS_STREAM/,
  );
  expect(() => loadConfig({ ...url, NATS_MIRROR: "a.b", NATS_PRIMARY_DOMAIN: "iad" })).toThrow(ConfigError);
  const c = loadConfig({ ...url, NATS_MIRROR: "LOCAL", NATS_PRIMARY_DOMAIN: "iad" });
  expect([c.NATS_MIRROR, c.NATS_PRIMARY_DOMAIN]).toEqual(["LOCAL", "iad"]);
});
