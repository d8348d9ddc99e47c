import { ErrorCode, TacError } from "../protocol/errors.ts";

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
 * Stands in, in seq order, for a journaled message that failed its checksum when read back. An `error`
 * control message (no `seq`, so no client mistakes it for data), with `damagedSeq` naming the lost
 * position so a client can report the gap and move its cursor past it honestly.
 */
export function damagedMessage(feedId: string, seq: number): string {
  return JSON.stringify({ type: "error", ...damagedError(feedId, seq).toJSON(), damagedSeq: seq });
}

export function damagedError(feedId: string, seq: number): TacError {
  return new TacError(
    ErrorCode.DamagedRecord,
    `message ${seq} of ${feedId} is damaged on disk and cannot be served`,
    {
      feedId,
    },
  );
}
