import { type DamageReason, ErrorCode, TacError } from "../protocol/errors.ts";

/**
 * Control messages (session replies, heartbeats, errors) are JSON text on both sub-protocols. They carry
 * no `seq`: a message with a `seq` is always a journaled feed message.
 */
export function errorMessage(err: TacError, requestId?: string | number): string {
  const body: Record<string, unknown> = { type: "error", ...err.toJSON() };
  if (requestId !== undefined) body.id = requestId;
  return JSON.stringify(body);
}

export function metadataMessage(
  op: string,
  fields: Record<string, unknown>,
  requestId?: string | number,
): string {
  const body: Record<string, unknown> = { type: "metadata", op };
  if (requestId !== undefined) body.id = requestId;
  return JSON.stringify(Object.assign(body, fields));
}

export function heartbeatMessage(ts: number): string {
  return `{"type":"heartbeat","ts":${ts}}`;
}

/**
 * Stands in, in seq order, for a journaled message that cannot be served (it failed its checksum when
 * read back, or it cannot be decrypted). An `error` control message (no `seq`, so no client mistakes it
 * for data), with `damagedSeq` naming the lost position so a client can report the gap and move its
 * cursor past it honestly. Sent the same on both sub-protocols: control messages are always JSON text.
 */
export function damagedMessage(feedId: string, seq: number, reason: DamageReason): string {
  return JSON.stringify({ type: "error", ...damagedFields(feedId, seq, reason), damagedSeq: seq });
}

/** The HTTP replay's entry in place of such a message: `{"seq":N,"error":{…}}`, the page stays valid JSON. */
export function damagedEntry(feedId: string, seq: number, reason: DamageReason): string {
  return JSON.stringify({ seq, error: damagedFields(feedId, seq, reason) });
}

/** The error's wire fields: `code` DAMAGED_RECORD, `message`, `feedId` and the `reason`. */
export function damagedFields(
  feedId: string,
  seq: number,
  reason: DamageReason,
): ReturnType<TacError["toJSON"]> & { reason: DamageReason } {
  const why =
    reason === "checksum"
      ? "is damaged on the server's disk (checksum mismatch)"
      : "cannot be decrypted (its key was removed, or it was altered)";
  return {
    ...new TacError(ErrorCode.DamagedRecord, `message ${seq} of ${feedId} ${why} and cannot be served`, {
      feedId,
    }).toJSON(),
    reason,
  };
}
