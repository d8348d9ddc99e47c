import type { JsMsg } from "@nats-io/jetstream";
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { framePriority, writeSeq } from "../../protocol/frame.ts";
import type { AppendEntry, StoredMessage } from "../journal.ts";
import { formatExpiries, GROUP_MAX, packSeq, parseExpiries, splitFrames } from "./group.ts";

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

/**
 * The format marker of a group message (group commit): the number of frames in its body. A message
 * without it is a single frame (what the journal wrote before group commit, or with it off): a group
 * of one.
 */
export const FramesHeader = "Tac-Frames";

/** Headers of a group: the marker, and per-frame expiry when any frame expires. */
export function groupHeaders(count: number, expiries: readonly number[]): MsgHdrs {
  const h = headers();
  h.set(FramesHeader, String(count));
  const e = formatExpiries(expiries);
  if (e !== undefined) h.set(ExpiresHeader, e);
  return h;
}

/** Frames a message's headers announce (1 without the marker). */
export function framesOf(h: { get(k: string): string } | undefined): number {
  const v = h?.get(FramesHeader);
  if (v === undefined || v === "") return 1;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 1 && n <= GROUP_MAX ? n : 1;
}

/**
 * Group commit: the frames of one JetStream message, each with its seq (`packSeq`) written in place
 * (views into the delivered bytes: no copy). A body whose frames do not tile it, or whose count differs
 * from the marker, is one damaged record at the group's first seq: reported, never skipped unseen.
 */
export function storedGroup(m: JsMsg, subjectPrefixLength: number): StoredMessage[] {
  const feedId = m.subject.slice(subjectPrefixLength);
  const announced = framesOf(m.headers);
  const frames = splitFrames(m.data);
  if (frames === undefined || frames.length !== announced) {
    return [
      {
        seq: packSeq(m.seq, 0),
        feedId,
        priority: 0,
        expiresAt: 0,
        frame: new Uint8Array(0),
        damaged: "checksum",
      },
    ];
  }
  const expiries = parseExpiries(m.headers?.get(ExpiresHeader), frames.length);
  const out = new Array<StoredMessage>(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    const seq = packSeq(m.seq, i);
    writeSeq(frame, seq);
    out[i] = { seq, feedId, priority: framePriority(frame), expiresAt: expiries[i]!, frame };
  }
  return out;
}
