/**
 * Attack table of issue 13: one feed's publisher floods the dead-letter queue. Before, one global ring
 * of 500 meant it evicted every other feed's entries; now each feed has its own quota.
 */
import { afterAll, expect, test } from "bun:test";
import { DlqStore } from "../../src/ingest/dlq/store.ts";
import { removeTempDirs, tempDir } from "../ingest/feeds/node.ts";

afterAll(removeTempDirs);

const entry = (feedId: string, raw: string) => ({
  feedId,
  format: "webhook" as const,
  reason: "bad",
  code: "VALIDATION",
  raw: new TextEncoder().encode(raw),
});

test("a flood of one feed's failures does not evict another feed's entries, live or after reopen", async () => {
  const dir = tempDir();
  const s = await DlqStore.open(dir);
  const kept = [];
  for (let i = 0; i < 5; i++) kept.push((await s.add(entry("intel.kev", `real failure ${i}`))).id);
  for (let i = 0; i < 600; i++) await s.add(entry("sandbox", `junk ${i}`));
  for (const id of kept) expect(s.get(id)?.feedId).toBe("intel.kev");
  expect(s.list({ limit: 1000, visible: (e) => e.feedId === "sandbox" }).entries.length).toBeLessThanOrEqual(
    100,
  );
  await s.flush();
  const reopened = await DlqStore.open(dir);
  for (const id of kept) expect(reopened.get(id)?.feedId).toBe("intel.kev");
  // The quota holds after a reopen too: the flooding feed still loses its own oldest.
  await reopened.add(entry("sandbox", "one more"));
  for (const id of kept) expect(reopened.get(id)).toBeDefined();
});

test("over the global cap, the feed holding most loses its oldest", async () => {
  const s = await DlqStore.open(tempDir(), { maxEntries: 6, maxEntriesPerFeed: 4 });
  const a = [];
  for (let i = 0; i < 2; i++) a.push((await s.add(entry("a", `a ${i}`))).id);
  for (let i = 0; i < 4; i++) await s.add(entry("b", `b ${i}`));
  for (let i = 0; i < 2; i++) await s.add(entry("c", `c ${i}`));
  expect(s.size).toBe(6);
  for (const id of a) expect(s.get(id)).toBeDefined();
});
