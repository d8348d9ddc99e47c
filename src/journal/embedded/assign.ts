import { Offset, writeSeq } from "../../protocol/frame.ts";
import type { DedupWindow } from "../dedup.ts";
import type { AppendEntry } from "../journal.ts";

export interface Assignment {
  /** One seq per entry: a new one, or the seq the id was first stored under. */
  seqs: number[];
  /** Indices of the entries to store, in order; null when all of them are (no duplicate). */
  stored: number[] | null;
  nextSeq: number;
  duplicates: number;
}

/**
 * Gives each entry of a batch its seq, synchronously and in order, writing it into the frame: the bytes
 * stored are then the bytes fanned out. An id seen before (in the window, or earlier in this batch)
 * gets the seq of its first copy and is not stored again. Ids are per feed: the same id in another feed
 * is another message.
 */
export function assignSeqs(
  entries: readonly AppendEntry[],
  dedup: DedupWindow,
  nextSeq: number,
  now: number,
): Assignment {
  const n = entries.length;
  const seqs = new Array<number>(n);
  let stored: number[] | null = null;
  let duplicates = 0;
  let next = nextSeq;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    // Keyed by the id bytes in the frame, exactly as recovery reads them back from the segments, so
    // the same message is recognised before and after a restart whatever the case of `e.id`.
    const tag = dedup.tag(e.feedId);
    // A fresh id (see AppendEntry.fresh) is not looked up: the probe of a large table was the costliest
    // step of the append for server-made ids, and it cannot find anything.
    const original = e.fresh === true ? undefined : dedup.get(e.frame, Offset.id, tag);
    if (original !== undefined) {
      seqs[i] = original;
      duplicates++;
      if (stored === null) stored = Array.from({ length: i }, (_, k) => k);
      continue;
    }
    const seq = next++;
    seqs[i] = seq;
    stored?.push(i);
    writeSeq(e.frame, seq);
    dedup.add(e.frame, Offset.id, tag, seq, now);
  }
  return { seqs, stored, nextSeq: next, duplicates };
}
