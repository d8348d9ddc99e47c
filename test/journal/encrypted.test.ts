import { describe, expect, test } from "bun:test";
import { EncryptedJournal, type UndecryptableMessage } from "../../src/journal/encrypted.ts";
import type { AppendEntry, Journal, StoredMessage, TailListener } from "../../src/journal/journal.ts";
import { writeSeq } from "../../src/protocol/frame.ts";
import { createPayloadCipher } from "../../src/security/encryption.ts";
import { makeEntry } from "./entries.ts";

const key = (n: number) => Buffer.alloc(32, n).toString("base64");
const OLD = `old:${key(1)}`;
const NEW = `new:${key(2)}`;

/** An in-memory journal: enough of the interface for the wrapper, with a tail the test drives. */
function memoryJournal(): Journal & { stored: StoredMessage[] } {
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
        const frame = e.frame.slice();
        writeSeq(frame, seq);
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

async function journalWithRemovedKey() {
  const inner = memoryJournal();
  // Messages 1–3 under the old key, then the key rotates; 4–5 under the new one.
  await new EncryptedJournal(inner, await createPayloadCipher(OLD)).append(
    [1, 2, 3].map(() => makeEntry("f")),
  );
  const both = new EncryptedJournal(inner, await createPayloadCipher(`${NEW},${OLD}`));
  await both.append([4, 5].map(() => makeEntry("f")));
  const skipped: UndecryptableMessage[] = [];
  // The old key removed from the configuration.
  const j = new EncryptedJournal(inner, await createPayloadCipher(NEW), (e) => skipped.push(e));
  return { inner, j, skipped };
}

describe("EncryptedJournal, a message it cannot decrypt", () => {
  test("replay skips it and reports a typed error; the rest is served", async () => {
    const { j, skipped } = await journalWithRemovedKey();
    expect((await j.read("f", 0, 100)).map((m) => m.seq)).toEqual([4, 5]);
    expect(skipped.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(skipped[0]).toMatchObject({ feedId: "f", error: { reason: "unknown_key" } });
  });

  test("a page keeps its length, so a short page still means the end of the feed", async () => {
    const { j } = await journalWithRemovedKey();
    expect((await j.read("f", 0, 2)).map((m) => m.seq)).toEqual([4, 5]);
    expect((await j.read("f", 0, 1)).map((m) => m.seq)).toEqual([4]);
  });

  test("the live tail reports it and keeps delivering the messages after it", async () => {
    const { inner, j, skipped } = await journalWithRemovedKey();
    const seen: number[] = [];
    let notify = () => {};
    j.tail((batch) => {
      seen.push(...batch.map((m) => m.seq));
      notify();
    });
    const old = new EncryptedJournal(inner, await createPayloadCipher(OLD));
    const current = new EncryptedJournal(inner, await createPayloadCipher(NEW));
    const arrived = (n: number) =>
      new Promise<void>((resolve) => {
        notify = () => seen.length >= n && resolve();
      });
    let wait = arrived(1);
    await current.append([makeEntry("f")]); // 6
    await wait;
    await old.append([makeEntry("f")]); // 7: cannot be decrypted
    wait = arrived(2);
    await current.append([makeEntry("f")]); // 8
    await wait;
    expect(seen).toEqual([6, 8]);
    expect(skipped.map((s) => s.seq)).toEqual([7]);
  });

  test("a listener that throws costs its batch, not the tail", async () => {
    const inner = memoryJournal();
    const j = new EncryptedJournal(inner, await createPayloadCipher(NEW));
    const seen: number[] = [];
    let notify = () => {};
    j.tail((batch) => {
      const seq = batch[0]!.seq;
      seen.push(seq);
      notify();
      if (seq === 1) throw new Error("listener bug");
    });
    const second = new Promise<void>((resolve) => {
      notify = () => seen.length >= 2 && resolve();
    });
    await j.append([makeEntry("f")]);
    await j.append([makeEntry("f")]);
    await second;
    expect(seen).toEqual([1, 2]);
  });
});
