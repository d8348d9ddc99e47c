import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";

/**
 * A competing disk writer: `dd if=/dev/zero of=<file> bs=1M count=<mib> oflag=direct conv=fsync` again
 * and again until stopped, in the directory the servers' DATA_DIR is made in (the same device). It
 * fills the device's queue with large writes and their flushes, so the journal's fdatasync waits
 * behind them. O_DIRECT and `nice`: the writer competes for the disk, not for the client CPU (copying
 * into the page cache cost the load generator enough to show as latency of its own). Bounded: one
 * file of `mib` MiB, rewritten, deleted on stop.
 */
export class DiskWriter {
  readonly #dir = mkdtempSync(join(tmpdir(), "tacstream-bench-dd-"));
  #proc: Subprocess<"ignore", "ignore", "ignore"> | null = null;
  #stopped = false;
  /** Passes of dd completed: a writer that never completed one did not compete. */
  passes = 0;

  constructor(private readonly mib: number) {}

  start(): void {
    const pass = () => {
      if (this.#stopped) return;
      this.#proc = spawn(
        [
          "nice",
          "-n",
          "19",
          "dd",
          "if=/dev/zero",
          `of=${join(this.#dir, "fill")}`,
          "bs=1M",
          `count=${this.mib}`,
          "oflag=direct",
          "conv=fsync",
        ],
        { stdin: "ignore", stdout: "ignore", stderr: "ignore" },
      );
      void this.#proc.exited.then((code) => {
        if (code === 0) this.passes++;
        pass();
      });
    };
    pass();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const p = this.#proc;
    if (p !== null && p.exitCode === null && p.signalCode === null) {
      p.kill("SIGKILL");
      await p.exited;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
