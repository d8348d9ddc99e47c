#!/usr/bin/env node
// `npm test`'s pretest step: the suite drives a real Chromium, real nats-server processes and promtool. On a
// fresh Debian machine it installs them (when it may: root with apt-get); otherwise it prints one line naming
// what to install and fails, so a newcomer never meets a wall of unrelated test failures instead.
// Plain Node 20, no dependencies: it runs before anything else is known to work.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { pathToFileURL } from "node:url";

/** What each binary the suite needs is called, where the tests look for it, and its Debian package. */
export const NEEDS = [
  { name: "chromium", env: "CHROMIUM_PATH", path: "/usr/bin/chromium", pkg: "chromium" },
  { name: "nats-server", env: "NATS_SERVER_BIN", path: "/usr/sbin/nats-server", pkg: "nats-server" },
  // The exposition and the alert rules are checked by Prometheus's own tool (test/observability/promtool*).
  { name: "promtool", env: "PROMTOOL_BIN", path: "/usr/bin/promtool", pkg: "prometheus" },
];

/** "a", "a and b", "a, b and c". */
function list(words) {
  return words.length < 2
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/**
 * Pure decision: `present` maps each need's name to whether its binary exists.
 * @returns {{ action: "ok" } | { action: "install", packages: string[] } | { action: "fail", message: string }}
 */
export function decide({ present, uid, apt }) {
  const missing = NEEDS.filter((n) => !present[n.name]);
  if (missing.length === 0) return { action: "ok" };
  const packages = missing.map((n) => n.pkg);
  if (uid === 0 && apt) return { action: "install", packages };
  const how = apt
    ? `sudo apt-get install -y ${packages.join(" ")}`
    : `install ${list(missing.map((n) => n.name))} and set ${missing.map((n) => n.env).join(" / ")} to ${missing.length > 1 ? "their paths" : "its path"}`;
  return {
    action: "fail",
    message: `tacstream tests need ${list(missing.map((n) => n.name))}: ${how}`,
  };
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function main() {
  const present = Object.fromEntries(NEEDS.map((n) => [n.name, executable(process.env[n.env] ?? n.path)]));
  const apt = executable("/usr/bin/apt-get");
  const uid = typeof process.getuid === "function" ? process.getuid() : -1;
  const decision = decide({ present, uid, apt });
  if (decision.action === "ok") return 0;
  if (decision.action === "fail") {
    console.error(decision.message);
    return 1;
  }
  console.error(`installing ${decision.packages.join(" ")} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...decision.packages],
  ]) {
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
    if (r.status !== 0) {
      console.error(
        `tacstream tests need ${decision.packages.join(" and ")}: apt-get ${args[0]} failed; install them by hand`,
      );
      return 1;
    }
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = main();
