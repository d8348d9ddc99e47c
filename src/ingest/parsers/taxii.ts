import * as v from "valibot";
import { issuePath } from "../../protocol/message.ts";
import type { NormalizedItem } from "../item.ts";
import { parseJsonObject, schemaError } from "./json-bytes.ts";
import { stixObjectsToItems, validateStixObjects } from "./stix.ts";
import type { StixContext } from "./stix-context.ts";

/** TAXII 2.1 envelope (§3.7): `objects` may be absent on an empty page; `next` is the server's cursor. */
const EnvelopeSchema = v.looseObject({
  more: v.optional(v.boolean(), false),
  next: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  objects: v.optional(v.array(v.unknown()), []),
});

export interface TaxiiPage {
  items: NormalizedItem[];
  /** True when the server has more objects: ask again with `next` (or `added_after`). */
  more: boolean;
  /** Opaque cursor for the next request, when the server gives one. */
  next?: string;
}

/**
 * One page of `GET …/collections/{id}/objects/` (media type `application/taxii+json;version=2.1`) →
 * its items (through the STIX parser) and the paging state. The polling itself — `added_after`,
 * `next`, the `X-TAXII-Date-Added-Last` header as the cursor — belongs to the poller.
 * @param context - what the feed's earlier pages held (relationships across a page split); updated.
 */
export function parseTaxiiEnvelope(bytes: Uint8Array, context?: StixContext): TaxiiPage {
  const r = v.safeParse(EnvelopeSchema, parseJsonObject(bytes, "TAXII envelope"));
  if (!r.success) {
    const issue = r.issues[0];
    throw schemaError("not a TAXII 2.1 envelope", issuePath(issue), issue.message);
  }
  const objects = validateStixObjects(r.output.objects, "not a TAXII 2.1 envelope", "objects");
  const page: TaxiiPage = { items: stixObjectsToItems(objects, context), more: r.output.more };
  if (r.output.next !== undefined) page.next = r.output.next;
  return page;
}
