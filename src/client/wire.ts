import { DAMAGE_REASONS, type DamageReason, ErrorCode, TacError } from "../protocol/errors.ts";
import { frameToMessage } from "../protocol/json.ts";
import type { StreamMessage } from "../protocol/message.ts";

/** What the server says about one feed in reply to a subscribe (docs/protocol.md, "Positions"). */
export interface FeedReply {
  epoch: string;
  head: number;
  /** Journal-wide newest seq when the reply was made: a resume position valid even for an empty feed. */
  last?: number;
  recovered: boolean;
  earliest?: number;
}

export type Control =
  | { type: "heartbeat"; ts: number }
  | {
      type: "metadata";
      op: "subscribe";
      id?: string | number;
      feeds: Record<string, FeedReply>;
      /** In a reply to a pattern op: the feeds each pattern brought in. */
      patterns?: Record<string, string[]>;
      /** Unsolicited (no id): a feed that appeared and joined through this pattern. */
      pattern?: string;
    }
  | { type: "metadata"; op: "unsubscribe" | "pong" | "refresh"; id?: string | number }
  | { type: "error"; error: TacError; id?: string | number }
  /**
   * A message the server cannot serve (failed its checksum on the server's disk, or cannot be decrypted
   * there), sent in its place: its seq, never its bytes. `damage` is undefined for a reason this SDK
   * does not know.
   */
  | { type: "damaged"; feedId: string; seq: number; damage?: DamageReason; error: TacError };

export type Incoming = { kind: "data"; message: StreamMessage } | { kind: "control"; control: Control };

/**
 * Decodes one WebSocket frame. Feed messages always carry a `seq` and control messages never do
 * (protocol.md), so that one field tells them apart in JSON; binary frames are always feed messages,
 * decoded and CRC-checked by the shared codec. Anything malformed throws a `TacError`.
 */
export function decodeIncoming(data: unknown): Incoming {
  if (typeof data !== "string") {
    const bytes = toBytes(data);
    if (bytes === undefined) throw new TacError(ErrorCode.Frame, "unsupported WebSocket message type");
    return { kind: "data", message: frameToMessage(bytes) };
  }
  let obj: unknown;
  try {
    obj = JSON.parse(data);
  } catch (cause) {
    throw new TacError(ErrorCode.BadJson, "server sent a text frame that is not JSON", { cause });
  }
  if (typeof obj !== "object" || obj === null)
    throw new TacError(ErrorCode.BadJson, "server sent a non-object");
  const o = obj as Record<string, unknown>;
  if (typeof o.seq === "number") {
    if (typeof o.feedId !== "string" || typeof o.id !== "string") {
      throw new TacError(ErrorCode.BadJson, "feed message without id or feedId");
    }
    return { kind: "data", message: o as unknown as StreamMessage };
  }
  switch (o.type) {
    case "heartbeat":
      return { kind: "control", control: { type: "heartbeat", ts: Number(o.ts) } };
    case "metadata":
      return { kind: "control", control: o as unknown as Control };
    case "error": {
      const opts: { feedId?: string; path?: string; retryAfter?: number } = {};
      if (typeof o.feedId === "string") opts.feedId = o.feedId;
      if (typeof o.path === "string") opts.path = o.path;
      if (typeof o.retryAfter === "number") opts.retryAfter = o.retryAfter;
      const error = new TacError(String(o.code) as ErrorCode, String(o.message ?? ""), opts);
      if (
        o.code === ErrorCode.DamagedRecord &&
        typeof o.feedId === "string" &&
        Number.isSafeInteger(o.damagedSeq) &&
        (o.damagedSeq as number) > 0
      ) {
        const control: Control = { type: "damaged", feedId: o.feedId, seq: o.damagedSeq as number, error };
        if ((DAMAGE_REASONS as readonly unknown[]).includes(o.reason))
          control.damage = o.reason as DamageReason;
        return { kind: "control", control };
      }
      const id = typeof o.id === "string" || typeof o.id === "number" ? o.id : undefined;
      return {
        kind: "control",
        control: id === undefined ? { type: "error", error } : { type: "error", error, id },
      };
    }
    default:
      throw new TacError(ErrorCode.BadJson, `unknown control message type ${String(o.type)}`);
  }
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
