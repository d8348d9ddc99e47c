import { describe, expect, test } from "bun:test";
import { EncryptedJournal, type UndecryptableMessage } from "../../src/journal/encrypted.ts";
import { decodeFrame, encodeFrame, Offset, writeSeq } from "../../src/protocol/frame.ts";
import { createPayloadCipher } from "../../src/security/encryption.ts";
import { memoryJournal } from "../helpers/memory-journal.ts";
import { makeEntry } from "./entries.ts";

const key = (n: number) => Buffer.alloc(32, n).toString("base64");
const OLD = `old:${key(1)}`;
const NEW = `new:${key(2)}`;

async function journalWithRemovedKey() {
  const inner = memoryJournal({ writeSeqs: true });
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
  test("replay has it in its place as undecryptable, with no bytes, and reports a typed error; the rest is served", async () => {
    const { j, skipped } = await journalWithRemovedKey();
    const got = await j.read("f", 0, 100);
    expect(got.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(got.map((m) => m.damaged)).toEqual([
      "undecryptable",
      "undecryptable",
      "undecryptable",
      undefined,
      undefined,
    ]);
    // Never the ciphertext: a reader cannot mistake sealed bytes for a payload.
    expect(got.slice(0, 3).map((m) => m.frame.length)).toEqual([0, 0, 0]);
    expect(got[3]!.frame.length).toBeGreaterThan(0);
    expect(skipped.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(skipped[0]).toMatchObject({ feedId: "f", error: { reason: "unknown_key" } });
  });

  test("one out per one in: a page keeps its length, so a short page still means the end of the feed", async () => {
    const { j } = await journalWithRemovedKey();
    expect((await j.read("f", 0, 2)).map((m) => m.seq)).toEqual([1, 2]);
    expect((await j.read("f", 3, 2)).map((m) => m.seq)).toEqual([4, 5]);
    expect((await j.read("f", 5, 2)).map((m) => m.seq)).toEqual([]);
  });

  test("altered ciphertext is undecryptable too (auth_failed), its neighbours are served", async () => {
    const inner = memoryJournal({ writeSeqs: true });
    const j = new EncryptedJournal(inner, await createPayloadCipher(NEW));
    await j.append([1, 2, 3].map(() => makeEntry("f")));
    // One bit of the second message's GCM tag flipped, with a frame CRC that matches (altered, not rotted).
    const stored = inner.stored[1]!;
    const f = decodeFrame(stored.frame);
    const payload = f.payload.slice();
    payload[payload.length - 1]! ^= 0x01;
    const id = stored.frame.subarray(Offset.id, Offset.id + 16);
    stored.frame = encodeFrame({ ...f, id, payload });
    writeSeq(stored.frame, stored.seq);
    const reported: UndecryptableMessage[] = [];
    const reader = new EncryptedJournal(inner, await createPayloadCipher(NEW), (e) => reported.push(e));
    expect((await reader.read("f", 0, 10)).map((m) => m.damaged)).toEqual([
      undefined,
      "undecryptable",
      undefined,
    ]);
    expect(reported).toMatchObject([{ seq: 2, error: { reason: "auth_failed" } }]);
  });

  test("the live tail passes it on as undecryptable, reports it, and keeps delivering the messages after it", async () => {
    const { inner, j, skipped } = await journalWithRemovedKey();
    const seen: number[] = [];
    const damaged: number[] = [];
    let notify = () => {};
    j.tail((batch) => {
      seen.push(...batch.map((m) => m.seq));
      damaged.push(...batch.filter((m) => m.damaged === "undecryptable").map((m) => m.seq));
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
    wait = arrived(3);
    await old.append([makeEntry("f")]); // 7: cannot be decrypted
    await current.append([makeEntry("f")]); // 8
    await wait;
    expect(seen).toEqual([6, 7, 8]);
    expect(damaged).toEqual([7]);
    expect(skipped.map((s) => s.seq)).toEqual([7]);
  });

  test("a listener that throws costs its batch, not the tail", async () => {
    const inner = memoryJournal({ writeSeqs: true });
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
