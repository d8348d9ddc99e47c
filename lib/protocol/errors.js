/**
 * The one error family of tacstream. Every failure a client can see carries a stable `code` it can
 * switch on; HTTP answers map the code to a status, WebSocket answers send it in an `error` message.
 * Modelled on nats.js `core/src/errors.ts`: one class, a `name`, a `cause`, static factories.
 */
export const ErrorCode = {
    BadJson: "BAD_JSON",
    Validation: "VALIDATION",
    PayloadTooLarge: "PAYLOAD_TOO_LARGE",
    UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    Unauthorized: "UNAUTHORIZED",
    Forbidden: "FORBIDDEN",
    NotFound: "NOT_FOUND",
    RateLimited: "RATE_LIMITED",
    Unavailable: "UNAVAILABLE",
    Internal: "INTERNAL",
    UnknownOp: "UNKNOWN_OP",
    BadOp: "BAD_OP",
    SinceBeyondHead: "SINCE_BEYOND_HEAD",
    HistoryTruncated: "HISTORY_TRUNCATED",
    Frame: "BAD_FRAME",
    /** One journaled message cannot be served (see DamageReason): it is reported in its place, never skipped. */
    DamagedRecord: "DAMAGED_RECORD",
    /** A subscription pattern the grant grammar does not allow (`thr*`, `*.kev`). */
    BadPattern: "BAD_PATTERN",
};
/**
 * The `reason` of a `DAMAGED_RECORD`: `checksum` — the record failed its CRC when read back from the
 * server's disk (bit rot, a bad disk); `undecryptable` — its payload cannot be opened (its key was removed
 * from `ENCRYPTION_KEYS`, or the ciphertext was altered). Either way that one message cannot be served.
 */
export const DAMAGE_REASONS = ["checksum", "undecryptable"];
const STATUS = {
    BAD_JSON: 400,
    VALIDATION: 422,
    PAYLOAD_TOO_LARGE: 413,
    UNSUPPORTED_MEDIA_TYPE: 415,
    UNAUTHORIZED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    RATE_LIMITED: 429,
    UNAVAILABLE: 503,
    INTERNAL: 500,
    UNKNOWN_OP: 400,
    BAD_OP: 400,
    SINCE_BEYOND_HEAD: 400,
    HISTORY_TRUNCATED: 409,
    BAD_FRAME: 400,
    DAMAGED_RECORD: 500,
    BAD_PATTERN: 400,
};
export class TacError extends Error {
    name = "TacError";
    code;
    path;
    retryAfter;
    feedId;
    constructor(code, message, options = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.code = code;
        if (options.path !== undefined)
            this.path = options.path;
        if (options.retryAfter !== undefined)
            this.retryAfter = options.retryAfter;
        if (options.feedId !== undefined)
            this.feedId = options.feedId;
    }
    get status() {
        return STATUS[this.code];
    }
    /** The wire form shared by HTTP bodies and WebSocket `error` messages. */
    toJSON() {
        const out = {
            code: this.code,
            message: this.message,
        };
        if (this.path !== undefined)
            out.path = this.path;
        if (this.retryAfter !== undefined)
            out.retryAfter = this.retryAfter;
        if (this.feedId !== undefined)
            out.feedId = this.feedId;
        return out;
    }
    static validation(message, path) {
        return new TacError(ErrorCode.Validation, message, path === undefined ? {} : { path });
    }
    static unavailable(message, retryAfter = 1, cause) {
        return new TacError(ErrorCode.Unavailable, message, { retryAfter, cause });
    }
}
export class FrameError extends TacError {
    reason;
    constructor(reason, message) {
        super(ErrorCode.Frame, message);
        this.reason = reason;
    }
}
/** WebSocket close codes sent by the server; documented in docs/protocol.md. */
export const CloseCode = {
    Normal: 1000,
    GoingAway: 1001,
    PolicyViolation: 1008,
    TooBig: 1009,
    Internal: 1011,
    ServiceRestart: 1012,
    /** No pong (or any frame) within two heartbeat intervals. */
    HeartbeatTimeout: 4000,
    Unauthorized: 4001,
    Forbidden: 4003,
    /** The client read too slowly; reconnect and resume from the last seq received. */
    SlowConsumer: 4008,
    /** Too many ops per second from one client. */
    RateLimited: 4029,
    /** The token expired and was not refreshed in time. */
    TokenExpired: 4401,
};
