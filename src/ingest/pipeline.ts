import type { AppendEntry, Journal } from "../journal/journal.ts";
import { encodeFrame, PRIORITIES } from "../protocol/frame.ts";
import type { IngestMessage } from "../protocol/message.ts";
import { isUuid, uuidFromString, uuidToString, uuidv7Bytes } from "../protocol/uuid.ts";
import type { Ingestor, IngestResult } from "./ingestor.ts";

const encoder = new TextEncoder();

/**
 * Ingest: each message is encoded to its binary frame exactly once, here; the journal stores those
 * bytes and the hub fans the same bytes out. Ids (UUIDv7) and timestamps are filled in when missing.
 */
export class JournalIngestor implements Ingestor {
  readonly #journal: Journal;
  readonly #now: () => number;

  constructor(journal: Journal, opts: { now?: () => number } = {}) {
    this.#journal = journal;
    this.#now = opts.now ?? Date.now;
  }

  async ingest(feedId: string, messages: readonly IngestMessage[]): Promise<IngestResult> {
    const feedBytes = encoder.encode(feedId);
    const entries: AppendEntry[] = new Array(messages.length);
    const ids: string[] = new Array(messages.length);
    const now = this.#now();
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const idBytes = m.id !== undefined && isUuid(m.id) ? uuidFromString(m.id) : uuidv7Bytes(now);
      const id = m.id?.toLowerCase() ?? uuidToString(idBytes);
      const timestamp = m.timestamp ?? now;
      const payload = encoder.encode(m.payload === undefined ? "null" : JSON.stringify(m.payload));
      const frame = encodeFrame(
        { type: m.type, priority: m.priority, feedId, timestamp, id: idBytes, payload },
        feedBytes,
      );
      ids[i] = id;
      entries[i] = {
        feedId,
        id,
        frame,
        priority: PRIORITIES.indexOf(m.priority),
        expiresAt: expiry(m, timestamp),
      };
    }
    const seqs = await this.#journal.append(entries);
    return { ids, seqs };
  }
}

/** A threat payload's `ttl` (seconds) makes the message expire: it is then no longer replayed. */
function expiry(m: IngestMessage, timestamp: number): number {
  const p = m.payload as { ttl?: unknown } | null;
  const ttl = typeof p === "object" && p !== null ? p.ttl : undefined;
  return typeof ttl === "number" && ttl > 0 ? timestamp + ttl * 1000 : 0;
}
