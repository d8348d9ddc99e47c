import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { AppendEntry, Journal, StoredMessage } from "../../src/journal/journal.ts";
import { ErrorCode, TacError } from "../../src/protocol/errors.ts";
import { decodeFrame, writeSeq } from "../../src/protocol/frame.ts";
import { uuidFromString } from "../../src/protocol/uuid.ts";
import { makeEntry, retryOf } from "./entries.ts";

/**
 * What `make` gives each test. `journal` is open and starts empty (fresh storage). `reopen()` opens a
 * new Journal over the same storage; tests close the previous instance before calling it. `cleanup()`
 * closes every instance still open and deletes the storage.
 */
export interface JournalHarness {
  journal: Journal;
  reopen: () => Promise<Journal>;
  cleanup: () => Promise<void>;
}

/** Generous: a shared journal may deliver its tail through a broker. */
const TAIL_TIMEOUT_MS = 10_000;

/** Collects what a tail listener receives and lets a test await a count, bounded in time. */
function collect(journal: Journal) {
  const got: StoredMessage[] = [];
  const calls: number[] = [];
  let want = Number.POSITIVE_INFINITY;
  let wake = (): void => {};
  const unsubscribe = journal.tail((batch) => {
    calls.push(batch.length);
    got.push(...batch);
    if (got.length >= want) wake();
  });
  const until = (n: number): Promise<void> => {
    if (got.length >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`tail delivered ${got.length} of ${n} messages in ${TAIL_TIMEOUT_MS} ms`)),
        TAIL_TIMEOUT_MS,
      );
      want = n;
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  return { got, calls, until, unsubscribe };
}

function expectIncreasing(seqs: readonly number[]): void {
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
}

/** The bytes a reader must get back: the appended frame with the assigned seq written in. */
function expected(e: AppendEntry, seq: number): Uint8Array {
  const copy = e.frame.slice();
  writeSeq(copy, seq);
  return copy;
}

export function journalContract(name: string, make: () => Promise<JournalHarness>): void {
  describe(`Journal contract: ${name}`, () => {
    let h: JournalHarness;
    let j: Journal;
    beforeEach(async () => {
      h = await make();
      j = h.journal;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    test("a fresh journal is ready, empty, and has an epoch", async () => {
      expect(j.status()).toEqual({ ready: true });
      const p = await j.position("alpha");
      expect(p).toEqual({ epoch: p.epoch, head: 0, first: 1, last: 0 });
      expect(typeof p.epoch).toBe("string");
      expect(p.epoch.length).toBeGreaterThan(0);
      expect(await j.read("alpha", 0, 10)).toEqual([]);
    });

    test("seqs are positive, one per entry, increasing within and across appends", async () => {
      const a = await j.append([makeEntry("alpha"), makeEntry("alpha"), makeEntry("beta")]);
      expect(a).toHaveLength(3);
      expect(a[0]!).toBeGreaterThan(0);
      expectIncreasing(a);
      const b = await j.append([makeEntry("beta")]);
      expect(b[0]!).toBeGreaterThan(a[2]!);
      const concurrent = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          j.append([makeEntry(i % 2 ? "alpha" : "beta"), makeEntry("gamma")]),
        ),
      );
      const all = concurrent.flat();
      for (const pair of concurrent) expectIncreasing(pair);
      expect(new Set(all).size).toBe(40);
      for (const s of all) expect(s).toBeGreaterThan(b[0]!);
      expect(await j.append([])).toEqual([]);
    });

    test("read returns a feed's messages after a seq, ascending, at most limit", async () => {
      const entries = Array.from({ length: 10 }, () => makeEntry("alpha"));
      const seqs: number[] = [];
      for (const e of entries) {
        seqs.push(...(await j.append([e, makeEntry("beta")])).slice(0, 1));
      }
      const all = await j.read("alpha", 0, 100);
      expect(all.map((m) => m.seq)).toEqual(seqs);
      const page = await j.read("alpha", seqs[4]!, 3);
      expect(page.map((m) => m.seq)).toEqual(seqs.slice(5, 8));
      // afterSeq need not be a seq of this feed.
      const between = await j.read("alpha", seqs[4]! + 1, 100);
      expect(between.map((m) => m.seq)).toEqual(seqs.slice(5));
      expect(await j.read("alpha", seqs[9]!, 10)).toEqual([]);
      expect(await j.read("alpha", 0, 0)).toEqual([]);
      expect(await j.read("nobody", 0, 10)).toEqual([]);
    });

    test("feeds are isolated", async () => {
      const a = [makeEntry("alpha"), makeEntry("alpha")];
      const b = [makeEntry("beta")];
      const [sa, sb] = await Promise.all([j.append(a), j.append(b)]);
      const ra = await j.read("alpha", 0, 100);
      const rb = await j.read("beta", 0, 100);
      expect(ra.map((m) => m.seq)).toEqual(sa!);
      expect(rb.map((m) => m.seq)).toEqual(sb!);
      for (const m of ra) expect([m.feedId, decodeFrame(m.frame).feedId]).toEqual(["alpha", "alpha"]);
      for (const m of rb) expect([m.feedId, decodeFrame(m.frame).feedId]).toEqual(["beta", "beta"]);
      expect(await j.read("alph", 0, 100)).toEqual([]);
    });

    test("frames read back are the appended bytes with the seq written in", async () => {
      const entries = [
        makeEntry("alpha", { priority: 0, payload: { big: "x".repeat(5000) } }),
        makeEntry("alpha", { priority: 3, expiresAt: Date.now() + 3_600_000 }),
        makeEntry("alpha", { priority: 1, payload: { unicode: "Ünïcødé ✓ 🛡" } }),
      ];
      const originals = entries.map((e) => ({ ...e, frame: e.frame.slice() }));
      const seqs = await j.append(entries);
      const read = await j.read("alpha", 0, 10);
      expect(read).toHaveLength(3);
      read.forEach((m, i) => {
        const want = originals[i]!;
        expect(m.seq).toBe(seqs[i]!);
        expect(Buffer.from(m.frame).equals(expected(want, seqs[i]!))).toBe(true);
        const decoded = decodeFrame(m.frame);
        expect(decoded.seq).toBe(m.seq);
        expect(decoded.id).toBe(want.id);
        expect(m.priority).toBe(want.priority);
        expect(m.expiresAt).toBe(want.expiresAt);
      });
    });

    test("tail delivers committed messages once each, in seq order, and unsubscribe stops it", async () => {
      const before = makeEntry("alpha");
      await j.append([before]);
      const first = collect(j);
      const second = collect(j);
      const seqs = [
        ...(await j.append([makeEntry("alpha")])),
        ...(await j.append([makeEntry("beta"), makeEntry("alpha"), makeEntry("beta"), makeEntry("gamma")])),
        ...(await j.append([makeEntry("alpha"), makeEntry("alpha")])),
      ];
      await first.until(seqs.length);
      expect(first.got.map((m) => m.seq)).toEqual(seqs);
      for (const m of first.got) expect(decodeFrame(m.frame).seq).toBe(m.seq);
      for (const n of first.calls) expect(n).toBeGreaterThan(0);
      await second.until(seqs.length);
      first.unsubscribe();
      const [later] = await j.append([makeEntry("alpha")]);
      await second.until(seqs.length + 1);
      expect(second.got.map((m) => m.seq)).toEqual([...seqs, later!]);
      expect(first.got).toHaveLength(seqs.length);
      second.unsubscribe();
    });

    test("a listener that throws breaks neither the journal nor other listeners", async () => {
      const unsubscribe = j.tail(() => {
        throw new Error("listener bug");
      });
      const good = collect(j);
      const a = await j.append([makeEntry("alpha")]);
      const b = await j.append([makeEntry("alpha")]);
      await good.until(2);
      expect(good.got.map((m) => m.seq)).toEqual([...a, ...b]);
      expect(j.status().ready).toBe(true);
      unsubscribe();
      good.unsubscribe();
    });

    test("an id already stored is answered with its first seq and not stored again", async () => {
      const x = makeEntry("alpha");
      const y = makeEntry("alpha");
      const inBatch = await j.append([x, y, retryOf(x)]);
      expect(inBatch[2]).toBe(inBatch[0]!);
      expect(inBatch[1]!).toBeGreaterThan(inBatch[0]!);
      const again = await j.append([retryOf(y), makeEntry("alpha"), retryOf(x)]);
      expect(again[0]).toBe(inBatch[1]!);
      expect(again[2]).toBe(inBatch[0]!);
      expect(again[1]!).toBeGreaterThan(inBatch[1]!);
      expect((await j.read("alpha", 0, 100)).map((m) => m.seq)).toEqual([
        inBatch[0]!,
        inBatch[1]!,
        again[1]!,
      ]);
      await j.close();
      const k = await h.reopen();
      expect(await k.append([retryOf(x), retryOf(y)])).toEqual([inBatch[0]!, inBatch[1]!]);
      expect(await k.read("alpha", 0, 100)).toHaveLength(3);
    });

    test("de-duplication is per feed: an id reused in another feed neither suppresses nor reveals", async () => {
      const real = makeEntry("intel.real");
      const [realSeq] = await j.append([real]);
      // A publisher of another feed posting the real message's id (ids of webhooks are predictable).
      const forged = makeEntry("sandbox", { id: uuidFromString(real.id) });
      const [forgedSeq] = await j.append([forged]);
      expect(forgedSeq).not.toBe(realSeq);
      // Planted first, then the real source's message with the same id: it is stored all the same.
      const next = makeEntry("intel.next");
      const planted = makeEntry("sandbox", { id: uuidFromString(next.id) });
      const both = await j.append([planted, next]);
      expect(both[1]).not.toBe(both[0]);
      expect((await j.read("intel.next", 0, 10)).map((m) => m.seq)).toEqual([both[1]!]);
      expect((await j.read("sandbox", 0, 10)).map((m) => m.seq)).toEqual([forgedSeq!, both[0]!]);
      // Within one feed the retry is still recognised, before and after a reopen.
      expect(await j.append([retryOf(next)])).toEqual([both[1]!]);
      await j.close();
      const k = await h.reopen();
      expect(await k.append([retryOf(next), retryOf(planted)])).toEqual([both[1]!, both[0]!]);
      expect(await k.read("intel.next", 0, 10)).toHaveLength(1);
    });

    test("expired messages are not read", async () => {
      const now = Date.now();
      const seqs = await j.append([
        makeEntry("alpha", { expiresAt: now - 1000 }),
        makeEntry("alpha", { expiresAt: 0 }),
        makeEntry("alpha", { expiresAt: now - 1 }),
        makeEntry("alpha", { expiresAt: now + 3_600_000 }),
      ]);
      expect((await j.read("alpha", 0, 10)).map((m) => m.seq)).toEqual([seqs[1]!, seqs[3]!]);
      expect((await j.read("alpha", 0, 1)).map((m) => m.seq)).toEqual([seqs[1]!]);
    });

    test("position reports the feed's head and the journal's first and last seq", async () => {
      const a = await j.append([makeEntry("alpha"), makeEntry("alpha")]);
      const b = await j.append([makeEntry("beta")]);
      const pa = await j.position("alpha");
      const pb = await j.position("beta");
      const pc = await j.position("gamma");
      expect(pa.head).toBe(a[1]!);
      expect(pb.head).toBe(b[0]!);
      expect(pc.head).toBe(0);
      for (const p of [pa, pb, pc]) {
        expect(p.last).toBe(b[0]!);
        expect(p.first).toBe(1);
        expect(p.epoch).toBe(pa.epoch);
      }
    });

    test("data, seqs and epoch survive close and reopen", async () => {
      const entries = [
        makeEntry("alpha"),
        makeEntry("beta"),
        makeEntry("alpha", { payload: { n: "z".repeat(3000) } }),
      ];
      const originals = entries.map((e) => ({ ...e, frame: e.frame.slice() }));
      const seqs = await j.append(entries);
      const before = await j.position("alpha");
      await j.close();
      expect(j.status().ready).toBe(false);
      const k = await h.reopen();
      expect(k.status()).toEqual({ ready: true });
      const after = await k.position("alpha");
      expect(after).toEqual(before);
      const read = await k.read("alpha", 0, 10);
      expect(read.map((m) => m.seq)).toEqual([seqs[0]!, seqs[2]!]);
      expect(Buffer.from(read[1]!.frame).equals(expected(originals[2]!, seqs[2]!))).toBe(true);
      const [next] = await k.append([makeEntry("alpha")]);
      expect(next!).toBeGreaterThan(seqs[2]!);
    });

    test("append after close is refused with UNAVAILABLE", async () => {
      await j.append([makeEntry("alpha")]);
      await j.close();
      const status = j.status();
      expect(status.ready).toBe(false);
      expect(typeof status.reason).toBe("string");
      const err = await j.append([makeEntry("alpha")]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).code).toBe(ErrorCode.Unavailable);
    });
  });
}
