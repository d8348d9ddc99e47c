import { MESSAGE_TYPES, PRIORITIES } from "./frame.ts";
import { type IngestMessage, THREAT_LEVELS } from "./message.ts";
import { isUuid } from "./uuid.ts";

/**
 * Hand-written accept-only checks for the two schemas every published message passes
 * (`IngestMessageSchema`, `ThreatPayloadSchema` in message.ts). valibot stays the contract: these return
 * `undefined`/`false` on anything they are not sure of, and the caller then runs valibot, which accepts
 * or gives the precise error. They exist because validation was the largest single cost of the ingest
 * path on one core (a fifth of the server's CPU at 10k msg/s, batches of 100, in a CPU profile): valibot
 * walks a pipeline of action objects and builds a result object per field. A test holds them to valibot:
 * whatever they accept, valibot accepts with the same output.
 */

const PRIORITY_SET: ReadonlySet<unknown> = new Set(PRIORITIES);
const TYPE_SET: ReadonlySet<unknown> = new Set(MESSAGE_TYPES);
const LEVEL_SET: ReadonlySet<unknown> = new Set(THREAT_LEVELS);
const TLP_SET: ReadonlySet<unknown> = new Set(["clear", "white", "green", "amber", "amber+strict", "red"]);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const isNum = (x: unknown): x is number => typeof x === "number" && !Number.isNaN(x);
const str = (x: unknown, max: number): boolean => typeof x === "string" && x.length <= max;

/** The message as `IngestMessageSchema` would output it, or `undefined` to let valibot decide. */
export function fastIngestMessage(raw: unknown): IngestMessage | undefined {
  // `payload` is required (its value may be anything, even absent in valibot's sense: `unknown`).
  if (!isRecord(raw) || !("payload" in raw)) return undefined;
  const { priority, type, id, timestamp } = raw;
  if (!PRIORITY_SET.has(priority)) return undefined;
  if (type !== undefined && !TYPE_SET.has(type)) return undefined;
  if (id !== undefined && !(typeof id === "string" && isUuid(id))) return undefined;
  if (timestamp !== undefined && !(isNum(timestamp) && Number.isFinite(timestamp) && timestamp >= 0))
    return undefined;
  // The key order and presence valibot's object schema produces: its entries in order, an optional one
  // only when given.
  const out: Record<string, unknown> = { priority, type: type ?? "data", payload: raw.payload };
  if (id !== undefined) out.id = id;
  if (timestamp !== undefined) out.timestamp = timestamp;
  return out as IngestMessage;
}

/** True only when `ThreatPayloadSchema` surely accepts `p`; false means "ask valibot". */
export function fastThreatPayload(p: unknown): boolean {
  if (!isRecord(p)) return false;
  if (!LEVEL_SET.has(p.threatLevel)) return false;
  if (!str(p.source, 512) || !str(p.title, 4096) || !str(p.description, 65536)) return false;
  const indicators = p.indicators;
  if (!Array.isArray(indicators)) return false;
  for (const x of indicators) if (!str(x, 4096)) return false;
  const { confidence, ttl } = p;
  if (!isNum(confidence) || confidence < 0 || confidence > 1) return false;
  if (!isNum(ttl) || !Number.isInteger(ttl) || ttl < 0) return false;
  const { link, published, tags, stix, tlp } = p;
  if (link !== undefined && !str(link, 4096)) return false;
  if (published !== undefined && !(isNum(published) && Number.isInteger(published) && published >= 0))
    return false;
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length > 64) return false;
    for (const t of tags) if (!str(t, 256)) return false;
  }
  if (stix !== undefined && !(isRecord(stix) && str(stix.id, 256) && str(stix.modified, 64))) return false;
  if (tlp !== undefined && !TLP_SET.has(tlp)) return false;
  return true;
}
