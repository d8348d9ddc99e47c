import * as v from "valibot";
import { ErrorCode, TacError } from "../protocol/errors.ts";
import { fastIngestMessage, fastThreatPayload } from "../protocol/fast-check.ts";
import {
  type IngestMessage,
  IngestMessageSchema,
  issuePath,
  ThreatPayloadSchema,
} from "../protocol/message.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A request body's bytes as text, refusing invalid UTF-8: a lenient decoder would store U+FFFD in place
 * of the sender's bytes, silently changing what was published (and what a webhook signature covered).
 * @throws TacError BAD_JSON (400).
 */
export function decodeBody(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TacError(ErrorCode.BadJson, "body is not valid UTF-8");
  }
}

/**
 * Turns a request body into validated messages, all or nothing: the first bad field refuses the whole
 * batch with its path (`[3].payload.confidence`), so nothing is half-accepted.
 */
export function parseIngestBody(
  text: string,
  maxBatch: number,
  parseJson: (t: string) => unknown,
): IngestMessage[] {
  let raw: unknown;
  try {
    raw = parseJson(text);
  } catch (e) {
    if (e instanceof TacError) throw e;
    throw new TacError(ErrorCode.BadJson, `body is not valid JSON: ${(e as Error).message}`);
  }
  const batch = Array.isArray(raw);
  const items = batch ? (raw as unknown[]) : [raw];
  if (items.length === 0) throw TacError.validation("batch is empty", "");
  if (items.length > maxBatch) throw TacError.validation(`batch larger than MAX_BATCH (${maxBatch})`, "");
  const out: IngestMessage[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    // The common, valid message needs no valibot run (fast-check.ts); anything else gets valibot's verdict.
    const fast = fastIngestMessage(items[i]);
    if (fast !== undefined && (!claimsThreat(fast.payload) || fastThreatPayload(fast.payload))) {
      out[i] = fast;
      continue;
    }
    const prefix = batch ? `[${i}]` : "";
    const res = v.safeParse(IngestMessageSchema, items[i]);
    if (!res.success)
      throw TacError.validation(res.issues[0].message, join(prefix, issuePath(res.issues[0])));
    const payload = res.output.payload;
    if (claimsThreat(payload)) {
      const t = v.safeParse(ThreatPayloadSchema, payload);
      if (!t.success)
        throw TacError.validation(t.issues[0].message, join(prefix, `payload.${issuePath(t.issues[0])}`));
    }
    out[i] = res.output;
  }
  return out;
}

/** A payload that claims to be a threat (it names a threatLevel) must be a whole, valid one. */
function claimsThreat(payload: unknown): boolean {
  return typeof payload === "object" && payload !== null && "threatLevel" in payload;
}

function join(prefix: string, path: string): string {
  if (path === "") return prefix;
  return prefix === "" ? path : `${prefix}.${path}`;
}
