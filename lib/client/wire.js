import { DAMAGE_REASONS, ErrorCode, TacError } from "../protocol/errors.js";
import { frameToMessage } from "../protocol/json.js";
/**
 * Decodes one WebSocket frame. Feed messages always carry a `seq` and control messages never do
 * (protocol.md), so that one field tells them apart in JSON; binary frames are always feed messages,
 * decoded and CRC-checked by the shared codec. Anything malformed throws a `TacError`.
 */
export function decodeIncoming(data) {
    if (typeof data !== "string") {
        const bytes = toBytes(data);
        if (bytes === undefined)
            throw new TacError(ErrorCode.Frame, "unsupported WebSocket message type");
        return { kind: "data", message: frameToMessage(bytes) };
    }
    let obj;
    try {
        obj = JSON.parse(data);
    }
    catch (cause) {
        throw new TacError(ErrorCode.BadJson, "server sent a text frame that is not JSON", { cause });
    }
    if (typeof obj !== "object" || obj === null)
        throw new TacError(ErrorCode.BadJson, "server sent a non-object");
    const o = obj;
    if (typeof o.seq === "number") {
        if (typeof o.feedId !== "string" || typeof o.id !== "string") {
            throw new TacError(ErrorCode.BadJson, "feed message without id or feedId");
        }
        return { kind: "data", message: o };
    }
    switch (o.type) {
        case "heartbeat":
            return { kind: "control", control: { type: "heartbeat", ts: Number(o.ts) } };
        case "metadata":
            return { kind: "control", control: o };
        case "error": {
            const opts = {};
            if (typeof o.feedId === "string")
                opts.feedId = o.feedId;
            if (typeof o.path === "string")
                opts.path = o.path;
            if (typeof o.retryAfter === "number")
                opts.retryAfter = o.retryAfter;
            const error = new TacError(String(o.code), String(o.message ?? ""), opts);
            if (o.code === ErrorCode.DamagedRecord &&
                typeof o.feedId === "string" &&
                Number.isSafeInteger(o.damagedSeq) &&
                o.damagedSeq > 0) {
                const control = { type: "damaged", feedId: o.feedId, seq: o.damagedSeq, error };
                if (DAMAGE_REASONS.includes(o.reason))
                    control.damage = o.reason;
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
function toBytes(data) {
    if (data instanceof ArrayBuffer)
        return new Uint8Array(data);
    if (ArrayBuffer.isView(data))
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return undefined;
}
