import { HEADER_SIZE } from "../../protocol/frame.ts";
import type { AppendEntry } from "../journal.ts";
import { MAX_FRAME_BYTES } from "./record.ts";

export interface EntryProblem {
  message: string;
  path: string;
}

/**
 * Cheap structural checks of a batch before any seq is assigned, so a bad entry refuses the whole
 * batch. The frame itself was built by the ingestor's encoder and is not re-decoded on the hot path.
 */
export function checkEntries(entries: readonly AppendEntry[]): EntryProblem | null {
  if (!Array.isArray(entries)) return { message: "entries must be an array", path: "" };
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Partial<AppendEntry> | undefined;
    if (typeof e !== "object" || e === null) return { message: "entry must be an object", path: `[${i}]` };
    if (typeof e.feedId !== "string" || e.feedId.length === 0) {
      return { message: "feedId must be a non-empty string", path: `[${i}].feedId` };
    }
    if (typeof e.id !== "string" || e.id.length === 0)
      return { message: "id must be a string", path: `[${i}].id` };
    const f = e.frame;
    if (!(f instanceof Uint8Array) || f.length < HEADER_SIZE || f.length > MAX_FRAME_BYTES) {
      return { message: `frame must be ${HEADER_SIZE}..${MAX_FRAME_BYTES} bytes`, path: `[${i}].frame` };
    }
    const p = e.priority;
    if (p !== 0 && p !== 1 && p !== 2 && p !== 3)
      return { message: "priority must be 0..3", path: `[${i}].priority` };
    const x = e.expiresAt;
    if (typeof x !== "number" || !(x >= 0) || x === Number.POSITIVE_INFINITY) {
      return { message: "expiresAt must be a finite number >= 0", path: `[${i}].expiresAt` };
    }
  }
  return null;
}
