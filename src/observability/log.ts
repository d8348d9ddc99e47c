import { redactReplacer } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /**
   * Human-readable lines (`12:00:01.234 INFO  msg key=value`) instead of JSON. Default: on when logging
   * to the default stdout and stdout is a terminal; JSON everywhere else (files, pipes, containers).
   */
  pretty?: boolean;
  /** Epoch ms; injected by tests. */
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const defaultWrite = (l: string) => process.stdout.write(`${l}\n`);

/**
 * JSON lines on stdout, formatted in-process (pino's worker transports do not work on Bun). Every
 * value goes through the redaction replacer: no token, secret or JWT reaches a line (see redact.ts).
 * Conventional fields: `reqId` (request id), `feed`, `sub` (the authenticated subject), `err`.
 * `write` is injectable so tests can read what was logged.
 */
export function createLogger(
  level: LogLevel = "info",
  write: (line: string) => void = defaultWrite,
  base: LogFields = {},
  opts: LoggerOptions = {},
): Logger {
  const min = RANK[level];
  const now = opts.now ?? Date.now;
  const pretty = opts.pretty ?? (write === defaultWrite && process.stdout.isTTY === true);
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < min) return;
    const t = now();
    const rec = { ...base, ...fields };
    write(pretty ? prettyLine(t, lvl, msg, rec) : jsonLine(t, lvl, msg, rec));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(level, write, { ...base, ...fields }, { pretty, now }),
  };
}

function jsonLine(t: number, level: string, msg: string, rec: LogFields): string {
  try {
    const out: LogFields = { time: new Date(t).toISOString(), level, msg, ...rec };
    // A field named like a core key must not disguise the line's level or message.
    out.level = level;
    out.msg = msg;
    return JSON.stringify(out, redactReplacer);
  } catch (err) {
    // A cyclic or hostile field must never lose the line (or throw into the caller's hot path).
    const reason = err instanceof Error ? err.message : String(err);
    return JSON.stringify({ time: new Date(t).toISOString(), level, msg, logError: reason }, redactReplacer);
  }
}

const COLOR: Record<string, string> = {
  debug: "\x1b[90m",
  info: "\x1b[36m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
};

function prettyLine(t: number, level: string, msg: string, rec: LogFields): string {
  const time = new Date(t).toISOString().slice(11, 23);
  let line = `\x1b[90m${time}\x1b[0m ${COLOR[level] ?? ""}${level.toUpperCase().padEnd(5)}\x1b[0m ${redactMsg(msg)}`;
  for (const [k, v] of Object.entries(rec)) {
    if (v === undefined) continue;
    let text: string;
    try {
      // Serialised under its key so that the replacer redacts a top-level secret too.
      text = JSON.stringify({ [k]: v }, redactReplacer).slice(JSON.stringify(k).length + 2, -1);
    } catch {
      text = "[unserialisable]";
    }
    line += ` \x1b[90m${k}=\x1b[0m${text}`;
  }
  return line;
}

function redactMsg(msg: string): string {
  return redactReplacer("msg", msg) as string;
}
