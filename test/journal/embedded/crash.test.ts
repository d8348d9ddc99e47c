import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeSeq } from "../../../src/protocol/frame.ts";
import { CRASH_FEEDS, crashEntry } from "../fixtures/crash-entries.ts";
import { journalDir } from "./helpers.ts";

const WRITER = join(import.meta.dir, "..", "fixtures", "crash-writer.ts");

/**
 * Runs the writer until it has acknowledged at least `minAcked` messages, then SIGKILLs it.
 * Returns the acknowledged `message number → seq` pairs from the complete lines it printed.
 */
async function runAndKill(
  dir: string,
  mode: string,
  start: number,
  minAcked: number,
): Promise<Map<number, number>> {
  const child = Bun.spawn([process.execPath, WRITER, dir, mode, String(start)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const acked = new Map<number, number>();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    const reader = child.stdout.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const end = text.lastIndexOf("\n");
      if (end < 0) continue;
      for (const line of text.slice(0, end).split("\n")) {
        const [i, seq] = line.split(" ").map(Number);
        acked.set(i!, seq!);
      }
      text = text.slice(end + 1);
      if (acked.size >= minAcked) break;
    }
    reader.releaseLock();
    // Mid-stream: the writer is still appending when it dies.
    child.kill("SIGKILL");
  } finally {
    clearTimeout(deadline);
  }
  await child.exited;
  expect(child.signalCode).toBe("SIGKILL");
  if (acked.size < minAcked) throw new Error(`writer died early: ${await new Response(child.stderr).text()}`);
  return acked;
}

describe("embedded journal crash safety", () => {
  let d: ReturnType<typeof journalDir>;
  beforeEach(() => {
    d = journalDir();
  });
  afterEach(() => d.cleanup());

  for (const mode of ["always", "interval"]) {
    test(`every acknowledged message survives SIGKILL with its exact bytes (fsync ${mode}, twice)`, async () => {
      const first = await runAndKill(d.dir, mode, 0, 3000);
      const second = await runAndKill(d.dir, mode, 1_000_000, 3000);
      const acked = new Map([...first, ...second]);

      const j = await d.open({ cacheBytes: 0 });
      const stored = new Map<number, Uint8Array>();
      for (const feed of CRASH_FEEDS) {
        for (const m of await j.read(feed, 0, 1_000_000)) {
          expect(stored.has(m.seq)).toBe(false);
          stored.set(m.seq, m.frame);
        }
      }
      for (const [i, seq] of acked) {
        const want = crashEntry(i).frame;
        writeSeq(want, seq);
        const got = stored.get(seq);
        expect(got === undefined ? `message ${i} (seq ${seq}) missing` : Buffer.from(got).equals(want)).toBe(
          true,
        );
      }
      // The second run resumed after everything the first acknowledged, and so does this one.
      const maxFirst = Math.max(...first.values());
      expect(Math.min(...second.values())).toBeGreaterThan(maxFirst);
      const [next] = await j.append([crashEntry(5_000_000)]);
      expect(next!).toBeGreaterThan(Math.max(...acked.values()));
      expect(d.segments().length).toBeGreaterThan(2);
    });
  }
});
