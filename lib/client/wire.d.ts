import { type DamageReason, TacError } from "../protocol/errors.js";
import type { StreamMessage } from "../protocol/message.js";
/** What the server says about one feed in reply to a subscribe (docs/protocol.md, "Positions"). */
export interface FeedReply {
    epoch: string;
    head: number;
    /** Journal-wide newest seq when the reply was made: a resume position valid even for an empty feed. */
    last?: number;
    recovered: boolean;
    earliest?: number;
}
export type Control = {
    type: "heartbeat";
    ts: number;
} | {
    type: "metadata";
    op: "subscribe";
    id?: string | number;
    feeds: Record<string, FeedReply>;
    /** In a reply to a pattern op: the feeds each pattern brought in. */
    patterns?: Record<string, string[]>;
    /** Unsolicited (no id): a feed that appeared and joined through this pattern. */
    pattern?: string;
} | {
    type: "metadata";
    op: "unsubscribe" | "pong" | "refresh";
    id?: string | number;
} | {
    type: "error";
    error: TacError;
    id?: string | number;
}
/**
 * A message the server cannot serve (failed its checksum on the server's disk, or cannot be decrypted
 * there), sent in its place: its seq, never its bytes. `damage` is undefined for a reason this SDK
 * does not know.
 */
 | {
    type: "damaged";
    feedId: string;
    seq: number;
    damage?: DamageReason;
    error: TacError;
};
export type Incoming = {
    kind: "data";
    message: StreamMessage;
} | {
    kind: "control";
    control: Control;
};
/**
 * Decodes one WebSocket frame. Feed messages always carry a `seq` and control messages never do
 * (protocol.md), so that one field tells them apart in JSON; binary frames are always feed messages,
 * decoded and CRC-checked by the shared codec. Anything malformed throws a `TacError`.
 */
export declare function decodeIncoming(data: unknown): Incoming;
