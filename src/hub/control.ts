import type { TacError } from "../protocol/errors.ts";

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
