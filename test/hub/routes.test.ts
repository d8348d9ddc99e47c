import { describe, expect, test } from "bun:test";
import { streamRoutes } from "../../src/hub/routes.ts";
import type { Journal, StoredMessage } from "../../src/journal/journal.ts";
import { writeSeq } from "../../src/protocol/frame.ts";
import { OPEN_ACCESS } from "../../src/server/access.ts";
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
