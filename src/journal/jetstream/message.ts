import type { JsMsg } from "@nats-io/jetstream";
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { framePriority, writeSeq } from "../../protocol/frame.ts";
import type { AppendEntry, StoredMessage } from "../journal.ts";

/**
 * Epoch ms after which the message is not replayed, stored beside the frame so replays skip expired
 * messages without decoding the payload; absent when it never expires. `Nats-Msg-Id` (the
 * de-duplication key) is set by the publish itself. Priority needs no header: it is byte 4 of the frame.
 * (A header per message costs ≈ 10 % of append throughput; only expiry earns one.)
 */
export const ExpiresHeader = "Tac-Expires";

export function publishHeaders(entry: AppendEntry): MsgHdrs | undefined {
  if (entry.expiresAt <= 0) return undefined;
  const h = headers();
  h.set(ExpiresHeader, String(entry.expiresAt));
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
