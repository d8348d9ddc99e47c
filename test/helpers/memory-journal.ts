import type { AppendEntry, Journal, StoredMessage, TailListener } from "../../src/journal/journal.ts";
import { writeSeq } from "../../src/protocol/frame.ts";

/**
 * An in-memory journal for decorator tests: it stores what it is given and hands each append to its tail
 * listeners at once, so a test drives the tail. `writeSeqs` stores a copy with the seq written into the
 * frame, as a real journal does; without it the very frame given is kept (a test can compare bytes and
 * identity with what the decorator produced).
 */
export function memoryJournal(opts: { writeSeqs?: boolean } = {}): Journal & { stored: StoredMessage[] } {
  const stored: StoredMessage[] = [];
  const listeners = new Set<TailListener>();
  return {
    kind: "embedded",
    stored,
    open: async () => {},
    close: async () => {},
    status: () => ({ ready: true }),
    position: async () => ({ epoch: "e", first: 1, last: stored.length, head: stored.length }),
    async append(entries: readonly AppendEntry[]) {
      const batch = entries.map((e) => {
        const seq = stored.length + 1;
        const frame = opts.writeSeqs === true ? e.frame.slice() : e.frame;
        if (opts.writeSeqs === true) writeSeq(frame, seq);
        const m = { seq, feedId: e.feedId, priority: e.priority, expiresAt: e.expiresAt, frame };
        stored.push(m);
        return m;
      });
      for (const l of listeners) l(batch);
      return batch.map((m) => m.seq);
    },
    read: async (feedId, after, limit) =>
      stored.filter((m) => m.feedId === feedId && m.seq > after).slice(0, limit),
    tail(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as Journal & { stored: StoredMessage[] };
}
