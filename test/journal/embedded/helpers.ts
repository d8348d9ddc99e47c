import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedJournal, type EmbeddedJournalOptions } from "../../../src/journal/embedded.ts";

/** A temporary journal directory, removed with everything opened on it by `cleanup()`. */
export function journalDir() {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-journal-"));
  const opened: EmbeddedJournal[] = [];
  return {
    dir,
    async open(options: Omit<EmbeddedJournalOptions, "dir"> = {}): Promise<EmbeddedJournal> {
      const journal = new EmbeddedJournal({ dir, ...options });
      opened.push(journal);
      await journal.open();
      return journal;
    },
    /** Segment file paths, oldest first. */
    segments(): string[] {
      return readdirSync(dir)
        .filter((n) => n.endsWith(".seg"))
        .sort()
        .map((n) => join(dir, n));
    },
    async cleanup(): Promise<void> {
      for (const journal of opened) await journal.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}
