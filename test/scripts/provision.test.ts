import { expect, test } from "bun:test";
import { join } from "node:path";
import { decide } from "../../scripts/provision.mjs";

const both = { chromium: true, "nats-server": true };

test("nothing to do when both binaries are there", () => {
  expect(decide({ present: both, uid: 1000, apt: false })).toEqual({ action: "ok" });
});

test("root with apt-get installs exactly what is missing", () => {
  expect(decide({ present: { ...both, chromium: false }, uid: 0, apt: true })).toEqual({
    action: "install",
    packages: ["chromium"],
  });
  expect(decide({ present: { chromium: false, "nats-server": false }, uid: 0, apt: true })).toEqual({
    action: "install",
    packages: ["chromium", "nats-server"],
  });
});

test("not root, with apt-get: one line with the command to run", () => {
  expect(decide({ present: { ...both, "nats-server": false }, uid: 1000, apt: true })).toEqual({
    action: "fail",
    message: "tacstream tests need nats-server: sudo apt-get install -y nats-server",
  });
});

test("no apt-get: one line naming the binaries and the variables that point at them", () => {
  expect(decide({ present: { chromium: false, "nats-server": false }, uid: 0, apt: false })).toEqual({
    action: "fail",
    message:
      "tacstream tests need chromium and nats-server: install chromium and nats-server and set CHROMIUM_PATH / NATS_SERVER_BIN to their paths",
  });
});

test("under plain Node, with both binaries present, it says nothing and succeeds", () => {
  // Only the silent path runs for real: the others would install packages on a root machine.
  const r = Bun.spawnSync(["node", join(import.meta.dir, "..", "..", "scripts", "provision.mjs")], {
    env: { ...process.env, CHROMIUM_PATH: process.execPath, NATS_SERVER_BIN: process.execPath },
  });
  expect(r.exitCode).toBe(0);
  expect(r.stderr.toString()).toBe("");
});
