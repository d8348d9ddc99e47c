/**
 * The one error family of tacstream. Every failure a client can see carries a stable `code` it can
 * switch on; HTTP answers map the code to a status, WebSocket answers send it in an `error` message.
 * Modelled on nats.js `core/src/errors.ts`: one class, a `name`, a `cause`, static factories.
 */
export declare const ErrorCode: {
    readonly BadJson: "BAD_JSON";
    readonly Validation: "VALIDATION";
    readonly PayloadTooLarge: "PAYLOAD_TOO_LARGE";
    readonly UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE";
    readonly Unauthorized: "UNAUTHORIZED";
    readonly Forbidden: "FORBIDDEN";
    readonly NotFound: "NOT_FOUND";
    readonly RateLimited: "RATE_LIMITED";
    readonly Unavailable: "UNAVAILABLE";
    readonly Internal: "INTERNAL";
    readonly UnknownOp: "UNKNOWN_OP";
    readonly BadOp: "BAD_OP";
    readonly SinceBeyondHead: "SINCE_BEYOND_HEAD";
    readonly HistoryTruncated: "HISTORY_TRUNCATED";
    readonly Frame: "BAD_FRAME";
    /** One journaled message cannot be served (see DamageReason): it is reported in its place, never skipped. */
    readonly DamagedRecord: "DAMAGED_RECORD";
    /** A subscription pattern the grant grammar does not allow (`thr*`, `*.kev`). */
    readonly BadPattern: "BAD_PATTERN";
};
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
/**
 * The `reason` of a `DAMAGED_RECORD`: `checksum` — the record failed its CRC when read back from the
 * server's disk (bit rot, a bad disk); `undecryptable` — its payload cannot be opened (its key was removed
 * from `ENCRYPTION_KEYS`, or the ciphertext was altered). Either way that one message cannot be served.
 */
export declare const DAMAGE_REASONS: readonly ["checksum", "undecryptable"];
export type DamageReason = (typeof DAMAGE_REASONS)[number];
export interface TacErrorOptions {
    /** Where in the input the problem is, e.g. `[3].payload.confidence`. */
    path?: string;
    /** Seconds a client should wait before retrying (429, 503). */
    retryAfter?: number;
    feedId?: string;
    cause?: unknown;
}
export declare class TacError extends Error {
    readonly name = "TacError";
    readonly code: ErrorCode;
    readonly path?: string;
    readonly retryAfter?: number;
    readonly feedId?: string;
    constructor(code: ErrorCode, message: string, options?: TacErrorOptions);
    get status(): number;
    /** The wire form shared by HTTP bodies and WebSocket `error` messages. */
    toJSON(): {
        code: ErrorCode;
        message: string;
        path?: string;
        retryAfter?: number;
        feedId?: string;
    };
    static validation(message: string, path?: string): TacError;
    static unavailable(message: string, retryAfter?: number, cause?: unknown): TacError;
}
/** Why a binary frame was refused; the decoder throws nothing else, whatever the input. */
export type FrameErrorReason = "short" | "magic" | "version" | "type" | "priority" | "length" | "checksum" | "utf8";
export declare class FrameError extends TacError {
    readonly reason: FrameErrorReason;
    constructor(reason: FrameErrorReason, message: string);
}
/** WebSocket close codes sent by the server; documented in docs/protocol.md. */
export declare const CloseCode: {
    readonly Normal: 1000;
    readonly GoingAway: 1001;
    readonly PolicyViolation: 1008;
    readonly TooBig: 1009;
    readonly Internal: 1011;
    readonly ServiceRestart: 1012;
    /** No pong (or any frame) within two heartbeat intervals. */
    readonly HeartbeatTimeout: 4000;
    readonly Unauthorized: 4001;
    readonly Forbidden: 4003;
    /** The client read too slowly; reconnect and resume from the last seq received. */
    readonly SlowConsumer: 4008;
    /** Too many ops per second from one client. */
    readonly RateLimited: 4029;
    /** The token expired and was not refreshed in time. */
    readonly TokenExpired: 4401;
};
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
