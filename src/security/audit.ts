import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { Now } from "../resilience/types.ts";

/** The audited events. `ip` is the client address as the server sees it (after trusted-proxy rules). */
export type AuditEvent =
  | { event: "auth_failure"; reason: string; ip?: string; sub?: string; route?: string; feedId?: string }
  | { event: "publish"; sub: string; feedId: string; grant: string; count: number; ip?: string }
  | { event: "dlq_replay"; sub: string; feedId: string; count: number; ip?: string }
  | { event: "admin_change"; sub: string; action: string; target?: string; ip?: string }
  | { event: "connection_open"; sub: string; ip: string; connId?: string }
  | {
      event: "connection_close";
      sub: string;
      ip: string;
      connId?: string;
      code?: number;
      durationMs?: number;
    };

/** Where audit lines go: a file by default; the cluster mode can plug in a JetStream stream. */
export interface AuditSink {
  /** Receives one chunk of complete JSON lines (each ending in "\n"). Called one at a time, in order. */
  write(chunk: string): Promise<void>;
  close?(): Promise<void>;
}

export interface AuditLogOptions {
  sink: AuditSink;
  now: Now;
  /** Longest an event waits in memory before being written (default 250 ms). */
  flushIntervalMs?: number;
  /** Buffered events that trigger an immediate write (default 256). */
  maxBatch?: number;
  /** Events buffered or being written at most; beyond that new events are dropped and counted (default 50,000). */
  maxPending?: number;
  /** A failed write: its events are lost and counted in `dropped`; report it (log, metric, alert). */
  onError?: (error: unknown) => void;
}

/** Field names that must never reach the log, whatever a caller passes in. */
const SECRET_FIELD =
  /token|secret|password|passwd|authorization|cookie|signature|credential|api[-_]?key|private/i;
/** A JWT anywhere in a string value (three base64url parts, header starting `{"`). */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+\S+/gi;
const MAX_STRING = 512;

/** Keeps primitive fields only, drops secret-named ones, and scrubs tokens that slipped into values. */
export function sanitizeAuditFields(
  event: Record<string, unknown>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(event)) {
    if (SECRET_FIELD.test(name)) continue;
    if (typeof value === "string") {
      out[name] = value.replace(JWT, "[redacted]").replace(BEARER, "$1 [redacted]").slice(0, MAX_STRING);
    } else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") {
      out[name] = value;
    }
  }
  return out;
}

/**
 * Append-only JSON-lines audit log. `log()` only serialises one small object into a buffer; writes happen
 * in batches — after `flushIntervalMs`, at `maxBatch` events, and on `flush()`/`close()` — one at a time
 * and in order, so the hot path never waits for the disk.
 */
export class AuditLog {
  readonly #o: Required<Omit<AuditLogOptions, "onError">> & Pick<AuditLogOptions, "onError">;
  #buffer: string[] = [];
  #pending = 0;
  #dropped = 0;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: AuditLogOptions) {
    this.#o = { flushIntervalMs: 250, maxBatch: 256, maxPending: 50_000, ...options };
  }

  /** Events lost to a full buffer, a failed write, or logging after `close()`. */
  get dropped(): number {
    return this.#dropped;
  }

  log(event: AuditEvent): void {
    if (this.#closed || this.#pending >= this.#o.maxPending) {
      this.#dropped += 1;
      return;
    }
    const record = { ts: new Date(this.#o.now()).toISOString(), ...sanitizeAuditFields(event) };
    this.#buffer.push(`${JSON.stringify(record)}\n`);
    this.#pending += 1;
    if (this.#buffer.length >= this.#o.maxBatch) void this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#o.flushIntervalMs);
      // A pending flush must not keep a finished process alive; close() flushes what is left.
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** Writes everything logged so far; resolves when it is in the sink (or its loss was reported). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#buffer.length === 0) return this.#writing;
    const lines = this.#buffer;
    this.#buffer = [];
    this.#writing = this.#writing
      .then(() => this.#o.sink.write(lines.join("")))
      .catch((error: unknown) => {
        this.#dropped += lines.length;
        this.#o.onError?.(error);
      })
      .finally(() => {
        this.#pending -= lines.length;
      });
    return this.#writing;
  }

  /** Flushes, then closes the sink. Later `log()` calls are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await this.#o.sink.close?.();
  }
}

/** Appends to a file (created with its directory, mode 0600: audit lines name users and addresses). */
export function fileAuditSink(path: string): AuditSink {
  let handle: ReturnType<typeof open> | undefined;
  const file = () => {
    if (handle === undefined) {
      const opening = mkdir(dirname(path), { recursive: true }).then(() => open(path, "a", 0o600));
      // Forget a failed open so the next batch tries again (e.g. once the volume is mounted).
      opening.catch(() => {
        if (handle === opening) handle = undefined;
      });
      handle = opening;
    }
    return handle;
  };
  return {
    async write(chunk) {
      await (await file()).appendFile(chunk, "utf8");
    },
    async close() {
      if (handle !== undefined) await (await handle).close();
    },
  };
}
