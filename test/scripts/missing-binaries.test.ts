import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** Runs `code` in a fresh Bun so the helpers read the overridden variables at import. */
function run(code: string, env: Record<string, string>) {
  const r = Bun.spawnSync([process.execPath, "-e", code], { cwd: ROOT, env: { ...process.env, ...env } });
  return r.stderr.toString() + r.stdout.toString();
}

test("a missing nats-server is one line saying what to install", () => {
  const out = run(
    'import("./test/helpers/nats.ts").then((m) => m.startNatsServer()).catch((e) => console.log(e.message))',
    { NATS_SERVER_BIN: "/nonexistent/nats-server" },
  );
  expect(out.trim()).toBe(
    "nats-server not found at /nonexistent/nats-server: apt-get install nats-server, or set NATS_SERVER_BIN",
  );
});

test("a missing browser is one line saying what to install", () => {
  const out = run(
    'import("./test/dashboard/browser.ts").then((m) => m.launchBrowser()).catch((e) => console.log(e.message))',
    { CHROMIUM_PATH: "/nonexistent/chromium" },
  );
  expect(out.trim()).toBe(
    "Chromium not found at /nonexistent/chromium: apt-get install chromium, or set CHROMIUM_PATH",
  );
});
