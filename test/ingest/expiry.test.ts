import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalIngestor } from "../../src/ingest/pipeline.ts";
import { EmbeddedJournal } from "../../src/journal/embedded.ts";

const dir = mkdtempSync(join(tmpdir(), "tacstream-expiry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("ttl counts from receipt for a message dated in the past, from its timestamp when that is later", async () => {
  const journal = new EmbeddedJournal({ dir });
  await journal.open();
  const now = Date.now();
  const ingest = new JournalIngestor(journal, { now: () => now });
  const payload = (title: string) => ({ threatLevel: "high", source: "s", title, ttl: 60 });
  const year = 365 * 86_400_000;
  await ingest.ingest("f", [
    { type: "data", priority: "high", timestamp: now - 4 * year, payload: payload("dated 2022") },
    { type: "data", priority: "high", timestamp: now + 120_000, payload: payload("dated ahead") },
    { type: "data", priority: "high", payload: payload("undated") },
  ]);
  const read = await journal.read("f", 0, 10);
  // Dated four years back, it is still replayed for its ttl after it arrived — not expired at birth.
  expect(read.map((m) => m.expiresAt)).toEqual([now + 60_000, now + 180_000, now + 60_000]);
  await journal.close();
});
