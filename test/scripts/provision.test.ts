import { expect, test } from "bun:test";
import { join } from "node:path";
import { decide } from "../../scripts/provision.mjs";

const both = { chromium: true, "nats-server": true, promtool: true };

test("nothing to do when every binary is there", () => {
  expect(decide({ present: both, uid: 1000, apt: false })).toEqual({ action: "ok" });
});

test("root with apt-get installs exactly what is missing", () => {
  expect(decide({ present: { ...both, chromium: false }, uid: 0, apt: true })).toEqual({
    action: "install",
    packages: ["chromium"],
  });
  expect(decide({ present: { ...both, chromium: false, "nats-server": false }, uid: 0, apt: true })).toEqual({
    action: "install",
    packages: ["chromium", "nats-server"],
  });
  // promtool comes with Debian's `prometheus` package.
  expect(decide({ present: { ...both, promtool: false }, uid: 0, apt: true })).toEqual({
    action: "install",
    packages: ["prometheus"],
  });
});

test("not root, with apt-get: one line with the command to run", () => {
  expect(decide({ present: { ...both, "nats-server": false }, uid: 1000, apt: true })).toEqual({
    action: "fail",
    message: "tacstream tests need nats-server: sudo apt-get install -y nats-server",
  });
});

test("no apt-get: one line naming the binaries and the variables that point at them", () => {
  expect(decide({ present: { ...both, chromium: false, "nats-server": false }, uid: 0, apt: false })).toEqual(
    {
      action: "fail",
      message:
        "tacstream tests need chromium and nats-server: install chromium and nats-server and set CHROMIUM_PATH / NATS_SERVER_BIN to their paths",
    },
  );
  expect(
    decide({ present: { chromium: false, "nats-server": false, promtool: false }, uid: 0, apt: false }),
  ).toEqual({
    action: "fail",
    message:
      "tacstream tests need chromium, nats-server and promtool: install chromium, nats-server and promtool and set CHROMIUM_PATH / NATS_SERVER_BIN / PROMTOOL_BIN to their paths",
  });
});

test("not root, promtool missing: the line names its Debian package", () => {
  expect(decide({ present: { ...both, promtool: false }, uid: 1000, apt: true })).toEqual({
    action: "fail",
    message: "tacstream tests need promtool: sudo apt-get install -y prometheus",
  });
});

test("under plain Node, with every binary present, it says nothing and succeeds", () => {
  // Only the silent path runs for real: the others would install packages on a root machine.
  const r = Bun.spawnSync(["node", join(import.meta.dir, "..", "..", "scripts", "provision.mjs")], {
    env: {
      ...process.env,
      CHROMIUM_PATH: process.execPath,
      NATS_SERVER_BIN: process.execPath,
      PROMTOOL_BIN: process.execPath,
    },
  });
  expect(r.exitCode).toBe(0);
  expect(r.stderr.toString()).toBe("");
});
