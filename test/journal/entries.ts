import type { AppendEntry } from "../../src/journal/journal.ts";
import { encodeFrame, PRIORITIES } from "../../src/protocol/frame.ts";
import { uuidToString, uuidv7Bytes } from "../../src/protocol/uuid.ts";

const encoder = new TextEncoder();

export interface EntryOptions {
  id?: Uint8Array;
  priority?: number;
  expiresAt?: number;
  payload?: unknown;
  timestamp?: number;
}

/** A journal entry with a real encoded frame (seq 0), as the ingestor builds it. */
export function makeEntry(feedId: string, o: EntryOptions = {}): AppendEntry {
  const id = o.id ?? uuidv7Bytes();
  const priority = o.priority ?? 2;
  const frame = encodeFrame({
    type: "data",
    priority: PRIORITIES[priority]!,
    feedId,
    timestamp: o.timestamp ?? Date.now(),
    id,
    payload: encoder.encode(JSON.stringify(o.payload ?? { title: `msg for ${feedId}`, n: Math.random() })),
  });
  return { feedId, id: uuidToString(id), frame, priority, expiresAt: o.expiresAt ?? 0 };
}

/** The same message again, with a fresh frame (a client retrying a publish). */
export function retryOf(e: AppendEntry): AppendEntry {
  const frame = e.frame.slice();
  frame.fill(0, 8, 16);
  return { ...e, frame };
}
