import { createHash } from "node:crypto";
import { HEADER_SIZE, Offset } from "../../protocol/frame.ts";
import { concatBytes } from "../../security/bytes.ts";

/**
 * Group commit to JetStream: one JetStream message holds the frames of one feed appended in one turn,
 * back to back (each frame carries its own length). A frame's seq is derived from the stream seq of its
 * group and its index in it, so every node computes the same seq without coordination:
 *
 *   seq = (streamSeq − 1) × 2^GROUP_BITS + index + 1
 *
 * Strictly increasing (across groups and within one), sparse, and 1 for the first frame of a stream
 * (the journal contract's `first` of an untouched journal). Seqs stay below 2^53 while stream seqs stay
 * below 2^41.
 */
export const GROUP_BITS = 12;
/** Frames per JetStream message at most; a larger turn for one feed is split into several groups. */
export const GROUP_MAX = 2 ** GROUP_BITS;

export function packSeq(streamSeq: number, index: number): number {
  return (streamSeq - 1) * GROUP_MAX + index + 1;
}

/** The group and index of a frame seq (≥ 1). */
export function unpackSeq(seq: number): { streamSeq: number; index: number } {
  const zero = seq - 1;
  return { streamSeq: Math.floor(zero / GROUP_MAX) + 1, index: zero % GROUP_MAX };
}

/** The highest frame seq a group at `streamSeq` can hold: everything up to it is in groups ≤ streamSeq. */
export function lastSeqOfGroup(streamSeq: number): number {
  return streamSeq <= 0 ? 0 : streamSeq * GROUP_MAX;
}

/** The stream seq a replay after `afterSeq` starts at (the group that may hold seqs just above it). */
export function replayStart(afterSeq: number): number {
  return afterSeq <= 0 ? 1 : unpackSeq(afterSeq + 1).streamSeq;
}

/**
 * Messages after `fromSeq` up to `toSeq` (the node's queue depth): exact within one group, else the
 * frames of `toSeq`'s group up to it plus one per group in between — a lower bound, since group sizes
 * are not known without reading the groups.
 */ export function groupBacklog(fromSeq: number, toSeq: number): number {
  if (toSeq <= fromSeq) return 0;
  const to = unpackSeq(toSeq);
  const from = fromSeq <= 0 ? { streamSeq: 0, index: 0 } : unpackSeq(fromSeq);
  if (to.streamSeq === from.streamSeq) return to.index - from.index;
  return Math.max(0, to.streamSeq - from.streamSeq - 1) + to.index + 1;
}

/** One body for a group: the frames back to back. */
export function joinFrames(frames: readonly Uint8Array[]): Uint8Array {
  return frames.length === 1 ? frames[0]! : concatBytes(...frames);
}

/**
 * The frames of a group body, as views into it (no copy: the seqs are written in place). Undefined when
 * the lengths do not tile the body exactly, which only a damaged or foreign message does.
 */
export function splitFrames(body: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < HEADER_SIZE) return undefined;
    const feedIdLength = (body[at + Offset.feedIdLength]! << 8) | body[at + Offset.feedIdLength + 1]!;
    const p = at + Offset.payloadLength;
    const payloadLength =
      ((body[p]! << 24) | (body[p + 1]! << 16) | (body[p + 2]! << 8) | body[p + 3]!) >>> 0;
    const end = at + HEADER_SIZE + feedIdLength + payloadLength;
    if (end > body.length) return undefined;
    out.push(body.subarray(at, end));
    at = end;
  }
  return out.length === 0 ? undefined : out;
}

/**
 * Per-frame expiry in one header: comma-separated epoch ms, `0` for never; absent when no frame
 * expires. A legacy message (one frame) has one value, so it reads as a group of one.
 */
export function formatExpiries(expiries: readonly number[]): string | undefined {
  let any = false;
  for (const e of expiries) if (e > 0) any = true;
  return any ? expiries.join(",") : undefined;
}

export function parseExpiries(header: string | undefined, count: number): number[] {
  const out = new Array<number>(count).fill(0);
  if (header === undefined || header === "") return out;
  const parts = header.split(",");
  for (let i = 0; i < count; i++) {
    const n = Number(parts[i] ?? parts[0]);
    out[i] = Number.isFinite(n) && n > 0 ? n : 0;
  }
  return out;
}

/**
 * The group's `Nats-Msg-Id`: its feed and every member id, hashed. A whole group retried as it was (the
 * common case: an append whose ack was lost to a reconnect, retried alone) is then caught by JetStream on
 * every node; a message retried inside a different group is caught by the journal's `IdWindow` instead.
 */
export function groupMsgId(feedId: string, ids: readonly string[]): string {
  if (ids.length === 1) return `${feedId}/${ids[0]}`;
  // One update of the joined ids: the same digest as one update per id (a hash is a stream), without a
  // native call per member.
  const digest = createHash("sha256").update(ids.join("")).digest("hex");
  return `${feedId}/g${ids.length}-${digest.slice(0, 32)}`;
}
