import { describe, expect, spyOn, test } from "bun:test";
import { EncryptedJournal, type UndecryptableMessage } from "../../src/journal/encrypted.ts";
import type { AppendEntry, StoredMessage } from "../../src/journal/journal.ts";
import { decodeFrame, encodeFrame, Flag, Offset } from "../../src/protocol/frame.ts";
import { createPayloadCipher, type PayloadCipher } from "../../src/security/encryption.ts";
import { memoryJournal } from "../helpers/memory-journal.ts";
import { makeEntry } from "./entries.ts";

const KEYS = `k1:${Buffer.alloc(32, 9).toString("base64")}`;
const FIXED_IV = new Uint8Array(12).fill(5);

/** How frames were sealed before issue 15 (decode, WebCrypto, re-encode): the layout on disk today. */
async function sealTheOldWay(cipher: PayloadCipher, e: AppendEntry): Promise<Uint8Array> {
  const f = decodeFrame(e.frame);
  const id = e.frame.subarray(Offset.id, Offset.id + 16);
  const payload = await cipher.encryptPayload(f.payload, id);
  return encodeFrame({ ...f, id, flags: f.flags | Flag.encrypted, payload });
}

describe("EncryptedJournal: the payload section sealed, no re-encoding (issue 15)", () => {
  test("the synchronous cipher and the WebCrypto one read each other (same layout)", async () => {
    const cipher = await createPayloadCipher(KEYS);
    const plain = new TextEncoder().encode('{"title":"x"}');
    const aad = new Uint8Array(16).fill(3);
    expect(await cipher.decryptPayload(cipher.sealSync(plain, aad), aad)).toEqual(plain);
    expect(cipher.openSync(await cipher.encryptPayload(plain, aad), aad)).toEqual(plain);
    const fixed = await createPayloadCipher(KEYS, { fillIv: (iv) => iv.set(FIXED_IV) });
    expect(fixed.sealSync(plain, aad)).toEqual(await fixed.encryptPayload(plain, aad));
    const other = new Uint8Array(16).fill(4);
    expect(() => cipher.openSync(cipher.sealSync(plain, aad), other)).toThrow("failed authentication");
  });

  test("a batch sealed into one buffer: every frame byte for byte what the previous code wrote", async () => {
    const fixed = await createPayloadCipher(KEYS, { fillIv: (iv) => iv.set(FIXED_IV) });
    const inner = memoryJournal();
    const batch = [
      makeEntry("a", { payload: { title: "one" } }),
      makeEntry("feed-é", { payload: { title: "x".repeat(3000) } }),
      makeEntry("a", { payload: null }),
    ];
    await new EncryptedJournal(inner, fixed).append(batch);
    expect(inner.stored.length).toBe(3);
    for (let i = 0; i < 3; i++) expect(inner.stored[i]!.frame).toEqual(await sealTheOldWay(fixed, batch[i]!));
    // And `sealSyncInto` writes exactly its bytes: nothing before or after them is touched.
    const plain = new TextEncoder().encode("payload");
    const aad = new Uint8Array(16).fill(1);
    const out = new Uint8Array(fixed.sealedLength(plain.byteLength) + 8).fill(0xee);
    fixed.sealSyncInto(plain, aad, out, 4);
    expect([...out.subarray(4, out.length - 4)]).toEqual([...fixed.sealSync(plain, aad)]);
    expect([...out.subarray(0, 4), ...out.subarray(out.length - 4)]).toEqual(new Array(8).fill(0xee));
  });

  test("a frame sealed now is byte for byte what the previous code wrote", async () => {
    const fixed = await createPayloadCipher(KEYS, { fillIv: (iv) => iv.set(FIXED_IV) });
    const inner = memoryJournal();
    const e = makeEntry("feed-é", { payload: { title: "secret", n: 1 } });
    await new EncryptedJournal(inner, fixed).append([e]);
    expect(inner.stored[0]!.frame).toEqual(await sealTheOldWay(fixed, e));
    // The stored frame is a valid frame (its CRC is of the bytes it carries) that holds no plaintext.
    const stored = decodeFrame(inner.stored[0]!.frame);
    expect(stored.flags & Flag.encrypted).toBe(Flag.encrypted);
    expect(Buffer.from(inner.stored[0]!.frame).includes("secret")).toBe(false);
  });

  test("frames written by the previous code are read and tailed as plain frames", async () => {
    const cipher = await createPayloadCipher(KEYS);
    const inner = memoryJournal();
    const j = new EncryptedJournal(inner, cipher);
    const tailed: StoredMessage[] = [];
    j.tail((batch) => tailed.push(...batch));
    const entries = [makeEntry("f", { payload: { n: 1 } }), makeEntry("f", { payload: { n: 2 } })];
    const old = await Promise.all(entries.map((e) => sealTheOldWay(cipher, e)));
    await inner.append(entries.map((e, i) => ({ ...e, frame: old[i]! })));
    const read = await j.read("f", 0, 10);
    for (const got of [read, tailed]) {
      expect(got.map((m) => m.seq)).toEqual([1, 2]);
      got.forEach((m, i) => {
        const f = decodeFrame(m.frame);
        const want = decodeFrame(entries[i]!.frame);
        expect(f.flags).toBe(0);
        expect(f.seq).toBe(i + 1);
        expect(f.id).toBe(want.id);
        expect(f.feedId).toBe("f");
        expect(f.timestamp).toBe(want.timestamp);
        expect(f.payload).toEqual(want.payload);
      });
    }
  });

  test("a frame altered at rest (its id, the associated data) is reported, the others served", async () => {
    const cipher = await createPayloadCipher(KEYS);
    const inner = memoryJournal();
    const skipped: UndecryptableMessage[] = [];
    const j = new EncryptedJournal(inner, cipher, (s) => skipped.push(s));
    await j.append([makeEntry("f"), makeEntry("f"), makeEntry("f")]);
    const altered = inner.stored[1]!.frame;
    altered[Offset.id + 3] = altered[Offset.id + 3]! ^ 1;
    // Cut short: the lengths no longer add up.
    inner.stored[2]!.frame = inner.stored[2]!.frame.subarray(0, 60);
    // Each stands in as damaged (no bytes), in order; the good one is served.
    const read = await j.read("f", 0, 10);
    expect(read.map((m) => [m.seq, m.damaged ?? "ok", m.frame.length > 0])).toEqual([
      [1, "ok", true],
      [2, "undecryptable", false],
      [3, "undecryptable", false],
    ]);
    expect(skipped.map((s) => [s.seq, s.error.reason])).toEqual([
      [2, "auth_failed"],
      [3, "malformed"],
    ]);
  });

  test("the tail of this node's own append opens nothing; a batch from elsewhere is opened once", async () => {
    const cipher = await createPayloadCipher(KEYS);
    const opens = spyOn(cipher, "openSync");
    const inner = memoryJournal();
    const j = new EncryptedJournal(inner, cipher);
    const tailed: StoredMessage[] = [];
    j.tail((batch) => tailed.push(...batch));
    const entries = [makeEntry("f", { payload: { n: 1 } }), makeEntry("f", { payload: { n: 2 } })];
    await j.append(entries);
    expect(opens).toHaveBeenCalledTimes(0);
    // Sealed by another node (the same key): arrives on the tail with no plain frame at hand.
    const far = makeEntry("f", { payload: { n: 3 } });
    await inner.append([{ ...far, frame: await sealTheOldWay(cipher, far) }]);
    expect(opens).toHaveBeenCalledTimes(1);
    expect(tailed.map((m) => [m.seq, decodeFrame(m.frame).seq, decodeFrame(m.frame).flags])).toEqual([
      [1, 1, 0],
      [2, 2, 0],
      [3, 3, 0],
    ]);
    expect(tailed.map((m) => decodeFrame(m.frame).payload)).toEqual(
      [...entries, far].map((e) => decodeFrame(e.frame).payload),
    );
    // A replay of the same messages opens them from what is stored.
    expect((await j.read("f", 0, 10)).length).toBe(3);
    expect(opens).toHaveBeenCalledTimes(4);
  });
});
