import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

function start(dataDir: string) {
  const res = Bun.spawnSync([process.execPath, join(ROOT, "src/runtime/bun.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info" },
    timeout: 30_000,
  });
  return { code: res.exitCode, stdout: res.stdout.toString(), stderr: res.stderr.toString() };
}

/** A read-only tmpfs when this process may mount one (root in most sandboxes), else undefined. */
function readOnlyMount(): { dir: string; cleanup: () => void } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-ro-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", dir]);
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    cleanup: () => {
      spawnSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("a DATA_DIR that cannot be created: one line naming the cause, exit 1, never 'listening'", () => {
  const base = mkdtempSync(join(tmpdir(), "tacstream-notdir-"));
  try {
    const file = join(base, "file");
    writeFileSync(file, "x");
    const r = start(join(file, "data"));
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("listening");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tacstream: cannot start: .*(ENOTDIR|EEXIST)/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}, 60_000);

test("a read-only DATA_DIR (EROFS): one line, exit 1, never 'listening'", () => {
  const ro = readOnlyMount();
  if (ro === undefined) {
    console.warn("skipped: cannot mount a read-only tmpfs here");
    return;
  }
  try {
    const r = start(ro.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("listening");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("EROFS");
  } finally {
    ro.cleanup();
  }
}, 60_000);
