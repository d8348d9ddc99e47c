import { TacError } from "../../protocol/errors.ts";
import { parseJsonSafe } from "../../security/safe-json.ts";

/**
 * Bytes of a JSON document (UTF-8, RFC 8259; a byte order mark tolerated) → value, or a VALIDATION error.
 * Invalid UTF-8 is refused (parseJsonSafe decodes fatally) rather than stored as U+FFFD.
 * Fetched documents are as untrusted as request bodies: nesting is bounded before parsing and
 * prototype-pollution keys are dropped.
 */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  try {
    return parseJsonSafe(bytes, { forbiddenKeys: "strip" });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TacError("VALIDATION", `${what} is not valid JSON: ${reason}`, { cause });
  }
}

/** A valibot failure as one TacError naming the first offending field. */
export function schemaError(what: string, path: string, message: string): TacError {
  return TacError.validation(`${what}: ${path === "" ? "" : `${path}: `}${message}`, path || undefined);
}

/** Like parseJsonBytes, for formats whose document is an object (valibot's object schemas accept arrays). */
export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  const value = parseJsonBytes(bytes, what);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw TacError.validation(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
