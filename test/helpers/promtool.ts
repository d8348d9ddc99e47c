import { accessSync, constants } from "node:fs";

/**
 * Prometheus's own checker. Missing, the test fails with one line saying what to install — it is not
 * skipped: `npm test`'s pretest (scripts/provision.mjs) installs it where it can.
 */
export function promtoolPath(): string {
  const path = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(
      `promtool not found at ${path}: install it (Debian: sudo apt-get install -y prometheus) or set PROMTOOL_BIN`,
    );
  }
}

/** Runs promtool with `args`, `stdin` piped in; exit code and both outputs. */
export function promtool(
  args: string[],
  stdin?: string,
  cwd?: string,
): { exitCode: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([promtoolPath(), ...args], {
    ...(cwd === undefined ? {} : { cwd }),
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
