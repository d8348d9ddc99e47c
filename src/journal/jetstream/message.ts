import type { JsMsg } from "@nats-io/jetstream";
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { framePriority, writeSeq } from "../../protocol/frame.ts";
import type { AppendEntry, StoredMessage } from "../journal.ts";

/**
 * Headers stored beside each frame so a reader (ours, or `nats stream view`) sees priority and expiry
 * without decoding the payload. `Nats-Msg-Id` (the de-duplication key) is set by the publish itself.
 */
export const PriorityHeader = "Tac-Priority";
/** Epoch ms after which the message is not replayed; absent when it never expires. */
export const ExpiresHeader = "Tac-Expires";

export function publishHeaders(entry: AppendEntry): MsgHdrs {
  const h = headers();
  h.set(PriorityHeader, String(entry.priority));
  if (entry.expiresAt > 0) h.set(ExpiresHeader, String(entry.expiresAt));
  return h;
}

export function expiresAtOf(m: JsMsg): number {
  const v = m.headers?.get(ExpiresHeader);
  return v === undefined || v === "" ? 0 : Number(v);
}

/**
 * The stored message, its bytes as NATS delivered them with the stream sequence written in place: no
 * copy, no re-encoding. Priority comes from the frame header itself, the one source of truth.
 */
export function toStored(m: JsMsg, subjectPrefixLength: number, expiresAt: number): StoredMessage {
  const frame = m.data;
  writeSeq(frame, m.seq);
  return {
    seq: m.seq,
    feedId: m.subject.slice(subjectPrefixLength),
    priority: framePriority(frame),
    expiresAt,
    frame,
  };
}
