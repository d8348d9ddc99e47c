import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { streamRoutes } from "../../src/hub/routes.ts";
import { RECORD_HEADER_SIZE } from "../../src/journal/embedded/record.ts";
import type { Journal, StoredMessage } from "../../src/journal/journal.ts";
import { writeSeq } from "../../src/protocol/frame.ts";
import { OPEN_ACCESS } from "../../src/server/access.ts";
import { journalDir } from "../journal/embedded/helpers.ts";
import { makeEntry } from "../journal/entries.ts";

/** A feed of `count` messages of about `payloadBytes` each; counts how many the route reads. */
function feed(count: number, payloadBytes: number) {
  const stored: StoredMessage[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const e = makeEntry("f", { payload: { pad: "x".repeat(payloadBytes) } });
    writeSeq(e.frame, seq);
    stored.push({ seq, feedId: "f", priority: e.priority, expiresAt: 0, frame: e.frame });
  }
  const reads: number[] = [];
  const journal = {
    position: async () => ({ epoch: "e1", first: 1, last: count, head: count }),
    read: async (_f: string, after: number, limit: number) => {
      reads.push(limit);
      return stored.filter((m) => m.seq > after).slice(0, limit);
    },
  } as unknown as Journal;
  return { journal, reads };
}

interface Page {
  next: number;
  more: boolean;
  messages: { seq: number }[];
}

const app = (journal: Journal, replayMaxBytes?: number) =>
  streamRoutes({
    journal,
    access: OPEN_ACCESS,
    opsPerSecond: 10,
    upgrade: () => () => false,
    ...(replayMaxBytes === undefined ? {} : { replayMaxBytes }),
  });

async function page(a: ReturnType<typeof app>, query: string): Promise<Page> {
  const res = await a.request(`/v1/feeds/f/messages?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe("GET /v1/feeds/:feedId/messages", () => {
  test("a page stops at the byte cap; the cursor pages through everything, once each", async () => {
    const { journal } = feed(50, 1000);
    const a = app(journal, 10_000);
    const seqs: number[] = [];
    let since = 0;
    for (let i = 0; i < 50; i++) {
      const p = await page(a, `since=${since}&limit=10000`);
      expect(JSON.stringify(p.messages).length).toBeLessThan(10_000 + 1500);
      seqs.push(...p.messages.map((m) => m.seq));
      since = p.next;
      if (!p.more) break;
    }
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  test("one message larger than the cap is still served alone, so a client always makes progress", async () => {
    const { journal } = feed(3, 5000);
    const p = await page(app(journal, 1000), "since=0");
    expect(p.messages.map((m) => m.seq)).toEqual([1]);
    expect(p).toMatchObject({ next: 1, more: true });
  });

  test("the journal is read in small pages, not limit messages at once", async () => {
    const { journal, reads } = feed(20, 10);
    const p = await page(app(journal), "since=0&limit=10000");
    expect(p).toMatchObject({ next: 20, more: false });
    expect(Math.max(...reads)).toBeLessThanOrEqual(256);
  });

  test("default limit is 100", async () => {
    const { journal } = feed(150, 10);
    const p = await page(app(journal), "since=0");
    expect(p.messages).toHaveLength(100);
    expect(p).toMatchObject({ next: 100, more: true });
  });
});

describe("GET /v1/feeds/:feedId/messages with a record damaged on disk", () => {
  test("the damaged seq is a typed error entry, never its bytes; the page stays valid JSON and pages past it", async () => {
    const d = journalDir();
    try {
      // No frame cache, so the replay reads the file (as for history older than the cache).
      const j = await d.open({ cacheBytes: 0 });
      const entries = [makeEntry("f"), makeEntry("f"), makeEntry("f")];
      const seqs = await j.append(entries);
      // A flip inside the second record's payload JSON (`{"title"…`): its quote becomes another byte.
      const at = RECORD_HEADER_SIZE + entries[0]!.frame.length + RECORD_HEADER_SIZE + 48 + 1 + 2;
      const file = d.segments()[0]!;
      const fd = openSync(file, "r+");
      writeSync(fd, new Uint8Array([readFileSync(file)[at]! ^ 0x01]), 0, 1, at);
      closeSync(fd);
      const a = app(j);
      const res = await a.request("/v1/feeds/f/messages?since=0");
      const text = await res.text();
      const body = JSON.parse(text) as { next: number; messages: Array<Record<string, unknown>> };
      expect(body.messages.map((m) => m.seq)).toEqual(seqs);
      expect(body.messages[1]).toEqual({
        seq: seqs[1],
        error: { code: "DAMAGED_RECORD", message: expect.any(String), feedId: "f", reason: "checksum" },
      });
      expect(body.messages[0]!.checksum).toBeDefined();
      expect(body.next).toBe(seqs[2]!);
      // Paging from just before the damaged seq moves past it too.
      const from = (await page(a, `since=${seqs[0]}&limit=1`)) as unknown as { next: number };
      expect(from.next).toBe(seqs[1]!);
    } finally {
      await d.cleanup();
    }
  });
});
