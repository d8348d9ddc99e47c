/**
 * What every baseline does with one posted message: encode its frame once with src/protocol (a fresh
 * UUIDv7, the server's next seq), exactly as tacstream's ingest does, without validation or journal.
 */
import { encodeFrame, writeSeq } from "../../src/protocol/frame.ts";
import { uuidv7Bytes } from "../../src/protocol/uuid.ts";

export interface Msg {
  priority?: "critical" | "high" | "medium" | "low";
  timestamp?: number;
  payload?: unknown;
}

const encoder = new TextEncoder();

export function bareFrame(
  msg: Msg,
  feed: string,
  feedBytes: Uint8Array,
  now: number,
  seq: number,
): Uint8Array {
  const frame = encodeFrame(
    {
      type: "data",
      priority: msg.priority ?? "high",
      feedId: feed,
      timestamp: msg.timestamp ?? now,
      id: uuidv7Bytes(now),
      payload: encoder.encode(JSON.stringify(msg.payload ?? null)),
    },
    feedBytes,
  );
  writeSeq(frame, seq);
  return frame;
}
