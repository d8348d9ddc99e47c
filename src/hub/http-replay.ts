import type { Journal } from "../journal/journal.ts";
import { frameToJsonText } from "../protocol/json.ts";
import { damagedEntry } from "./control.ts";

/**
 * Messages read in the first step. Later steps are sized from the bytes left and the mean size seen so
 * far, so small messages take one or two reads (each JetStream read is a consumer: 20 small reads for one
 * page made replays time out while an R3 cluster moved leaders) and large ones stay within the cap.
 */
const CHUNK = 256;

/** Default cap on the JSON of the messages of one HTTP replay page. */
export const REPLAY_MAX_BYTES = 4 * 1024 * 1024;

export interface ReplayPage {
  /** Each message as its JSON text, in seq order (one that cannot be served as `{"seq":N,"error":{...}}`). */
  texts: string[];
  /** Seq of the last message served (the cursor for the next page), or undefined when none. */
  last: number | undefined;
  /** Further messages were left for the next page (by `limit` or by the byte cap). */
  more: boolean;
}

/**
 * One page of an HTTP replay: up to `limit` messages after `since` and at most `maxBytes` of their JSON
 * — except that the first message is always served, so a client paging with the cursor always advances.
 * Read in chunks so that neither a 10,000-message limit nor large payloads build up in memory.
 */
export async function replayPage(
  journal: Journal,
  feedId: string,
  since: number,
  limit: number,
  maxBytes: number,
): Promise<ReplayPage> {
  const texts: string[] = [];
  let bytes = 0;
  let last: number | undefined;
  let after = since;
  for (;;) {
    // One beyond the limit, to know whether anything is left.
    const room = texts.length === 0 ? CHUNK : Math.floor((maxBytes - bytes) / (bytes / texts.length)) + 1;
    const want = Math.min(Math.max(CHUNK, room), limit - texts.length + 1);
    const msgs = await journal.read(feedId, after, want);
    for (const m of msgs) {
      if (texts.length === limit) return { texts, last, more: true };
      const text = m.damaged ? damagedEntry(feedId, m.seq, m.damaged) : frameToJsonText(m.frame);
      const size = Buffer.byteLength(text);
      if (texts.length > 0 && bytes + size > maxBytes) return { texts, last, more: true };
      texts.push(text);
      bytes += size;
      last = m.seq;
    }
    if (msgs.length < want) return { texts, last, more: false };
    after = msgs.at(-1)!.seq;
  }
}
