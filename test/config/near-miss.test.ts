import { expect, test } from "bun:test";
import { configWarnings } from "../../src/config/config.ts";
import { editDistance, nearestKey } from "../../src/config/near-miss.ts";

const KNOWN = [
  "PORT",
  "HOST",
  "LOG_LEVEL",
  "TOKEN_SECRET",
  "ENCRYPTION_KEYS",
  "ALLOWED_ORIGINS",
  "NATS_USER",
];

test.each([
  ["AUTH_JWT_SECRET", "TOKEN_SECRET"],
  ["JWT_SECRET", "TOKEN_SECRET"],
  ["ENCRYPTION_KEY", "ENCRYPTION_KEYS"],
  ["LOG_LEVL", "LOG_LEVEL"],
  ["ALLOWED_ORIGIN", "ALLOWED_ORIGINS"],
  ["Port", "PORT"],
  ["TACSTREAM_PORT", "PORT"],
])("%s resembles %s", (name, key) => {
  expect(nearestKey(name, KNOWN)).toBe(key);
});

test.each([
  "PATH",
  "HOME",
  "USER",
  "SHELL",
  "PWD",
  "LANG",
  "HOSTNAME",
  "TMPDIR",
  "npm_config_cache",
  "npm_package_name",
  "npm_lifecycle_event",
  "KUBERNETES_SERVICE_PORT",
  "TACSTREAM_PORT_8080_TCP_HOST",
  "GITHUB_TOKEN",
  "TF_CLI_CONFIG_FILE",
  "DOCKER_HOST",
  "PORT",
])("%s never warns", (name) => {
  expect(nearestKey(name, KNOWN)).toBeUndefined();
});

test("edit distance", () => {
  expect(editDistance("LOG_LEVL", "LOG_LEVEL")).toBe(1);
  expect(editDistance("HOME", "HOST")).toBe(2);
  expect(editDistance("abc", "abcdef", 2)).toBe(3);
});

test("the real key list: each of the five examples names the key it resembles; this process's env is quiet", () => {
  const warnings = configWarnings({
    AUTH_JWT_SECRET: "x",
    JWT_SECRET: "x",
    ENCRYPTION_KEY: "x",
    LOG_LEVL: "debug",
    ALLOWED_ORIGIN: "https://a.example",
  });
  expect(warnings).toEqual([
    "unknown setting AUTH_JWT_SECRET is ignored: did you mean TOKEN_SECRET?",
    "unknown setting JWT_SECRET is ignored: did you mean TOKEN_SECRET?",
    "unknown setting ENCRYPTION_KEY is ignored: did you mean ENCRYPTION_KEYS?",
    "unknown setting LOG_LEVL is ignored: did you mean LOG_LEVEL?",
    "unknown setting ALLOWED_ORIGIN is ignored: did you mean ALLOWED_ORIGINS?",
  ]);
  const { PATH, HOME, USER, SHELL, LANG, PWD, TMPDIR } = process.env;
  const npm = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("npm_")));
  expect(
    configWarnings({
      PATH,
      HOME,
      USER,
      SHELL,
      LANG,
      PWD,
      TMPDIR,
      ...npm,
      CONFIG_FILE: "x",
      TF_CLI_CONFIG_FILE: "x",
    }),
  ).toEqual([]);
});
