import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedJournal, type EmbeddedJournalOptions } from "../../src/journal/embedded.ts";
import { journalContract } from "./contract.ts";

function harness(options: Omit<EmbeddedJournalOptions, "dir">) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "tacstream-journal-"));
    const opened: EmbeddedJournal[] = [];
    const openOne = async () => {
      const journal = new EmbeddedJournal({ dir, ...options });
      await journal.open();
      opened.push(journal);
      return journal;
    };
    return {
      journal: await openOne(),
      reopen: openOne,
      cleanup: async () => {
        for (const journal of opened) await journal.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

journalContract("embedded (defaults)", harness({}));
// Every read from disk, segments rolling every few records, fsync on a timer.
journalContract(
  "embedded (no cache, 4 KiB segments, fsync interval)",
  harness({
    cacheBytes: 0,
    segmentBytes: 4096,
    fsync: "interval",
  }),
);
