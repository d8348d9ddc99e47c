import { ErrorCode, TacError } from "../../protocol/errors.ts";
import type { DlqFormat } from "../dlq/store.ts";
import type { NormalizedItem } from "../item.ts";
import {
  type MispManifestEntry,
  parseMispEvent,
  parseMispManifest,
  parseTaxiiEnvelope,
  type StixContext,
} from "../parsers/mod.ts";
import type { FeedConfig, FeedSourceKind } from "./config.ts";
import type { EmitResult } from "./emit.ts";
import type { Fetched } from "./fetch.ts";
import { parseDocument } from "./parse.ts";
import type { FeedState } from "./state.ts";

/** What a source strategy may do during one poll; the poller supplies resilience and bookkeeping. */
export interface PollContext {
  feed: FeedConfig;
  state: FeedState;
  /** TAXII: what the feed's earlier pages held, kept by the poller across pages and polls. */
  stix: StixContext;
  /** GET through the feed's rate limit, retry and circuit breaker. */
  request(
    url: string,
    accept: string,
    conditional?: { etag?: string; lastModified?: string },
  ): Promise<Fetched>;
  emit(items: readonly NormalizedItem[]): Promise<EmitResult>;
  /** Persists `state` (call only once the journal holds what it describes). */
  saveState(): Promise<void>;
  /** Sends a document that failed to parse to the DLQ; returns the error to rethrow. */
  deadLetter(format: DlqFormat, err: unknown, doc: Fetched): Promise<unknown>;
  /** A 304 answer: the source had nothing new. */
  notModified(): void;
  /** Something an operator should see that does not fail the poll. */
  warn(msg: string, fields: Record<string, unknown>): void;
}

export const ACCEPT: Record<Exclude<FeedSourceKind, "webhook">, string> = {
  rss: "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5",
  json: "application/json, */*;q=0.5",
  stix: "application/stix+json;version=2.1, application/json;q=0.9",
  taxii: "application/taxii+json;version=2.1",
  misp: "application/json",
  kev: "application/json",
};

/**
 * The identity of an item for de-duplication. MISP events and STIX objects are versioned (their
 * timestamp / `modified` moves when they change), and a new version is news; an RSS item is not.
 */
export function dedupKeyFor(kind: FeedSourceKind, item: NormalizedItem): string {
  return kind === "misp" || kind === "stix" || kind === "taxii"
    ? `${item.key}@${item.published ?? 0}${item.revision === undefined ? "" : `+${item.revision}`}`
    : item.key;
}

function base(url: string): string {
  return url.replace(/\/+$/, "");
}

/** RSS/Atom/RDF, JSON APIs, STIX bundles, the KEV catalogue: one document, fetched conditionally. */
async function pollDocument(ctx: PollContext): Promise<void> {
  const { feed, state } = ctx;
  const kind = feed.kind as Exclude<FeedSourceKind, "webhook" | "taxii" | "misp">;
  const conditional: { etag?: string; lastModified?: string } = {};
  if (state.etag !== undefined) conditional.etag = state.etag;
  if (state.lastModified !== undefined) conditional.lastModified = state.lastModified;
  const doc = await ctx.request(feed.url!, ACCEPT[kind], conditional);
  if (doc.notModified) {
    ctx.notModified();
    return;
  }
  let items: NormalizedItem[];
  let failure: unknown;
  try {
    items = parseDocument(kind, doc.bytes, doc.contentType, feed);
  } catch (err) {
    failure = await ctx.deadLetter(kind, err, doc);
    items = [];
  }
  if (failure === undefined) await ctx.emit(items);
  // A dead-lettered document counts as handled: its validators are kept so it is not fetched, and
  // dead-lettered, again until it changes; the operator replays it from the DLQ.
  if (doc.etag === undefined) delete state.etag;
  else state.etag = doc.etag;
  if (doc.lastModified === undefined) delete state.lastModified;
  else state.lastModified = doc.lastModified;
  await ctx.saveState();
  if (failure !== undefined) throw failure;
}

/** One millisecond before a TAXII timestamp, as ISO 8601; undefined when it is not a date. */
function justBefore(ts: string): string | undefined {
  const t = Date.parse(ts);
  return Number.isFinite(t) ? new Date(t - 1).toISOString() : undefined;
}

/**
 * TAXII 2.1 (§5.4 Get Objects): `{url}/collections/{id}/objects/?added_after=<cursor>`, following
 * `more`/`next`. `added_after` is exclusive and several objects may share one `date_added`, so the
 * cursor (the `X-TAXII-Date-Added-Last` of the last page) moves only when a chain of pages ends; an
 * unfinished chain (maxPages, a restart) is resumed from its saved `next`. A server that pages by date
 * alone is asked again from just before the page's last date: the objects at that date come again
 * and are de-duplicated by id + `modified`.
 */
async function pollTaxii(ctx: PollContext): Promise<void> {
  const { feed, state } = ctx;
  const t = feed.taxii!;
  const endpoint = `${base(feed.url!)}/collections/${encodeURIComponent(t.collection)}/objects/`;
  let addedAfter = state.cursor ?? t.addedAfter;
  let next = state.next;
  for (let page = 0; page < t.maxPages; page++) {
    const q = new URLSearchParams();
    if (addedAfter !== undefined) q.set("added_after", addedAfter);
    if (t.limit !== undefined) q.set("limit", String(t.limit));
    if (next !== undefined) q.set("next", next);
    const qs = q.toString();
    let doc: Fetched;
    try {
      doc = await ctx.request(qs === "" ? endpoint : `${endpoint}?${qs}`, ACCEPT.taxii);
    } catch (err) {
      // A saved token the server no longer knows: the chain starts again from the cursor (repeats
      // are de-duplicated; nothing is skipped).
      const stale =
        err instanceof TacError && (err.code === ErrorCode.BadOp || err.code === ErrorCode.NotFound);
      if (!stale || next === undefined || next !== state.next) throw err;
      delete state.next;
      next = undefined;
      await ctx.saveState();
      continue;
    }
    let envelope: ReturnType<typeof parseTaxiiEnvelope>;
    try {
      envelope = parseTaxiiEnvelope(doc.bytes, ctx.stix);
    } catch (err) {
      throw await ctx.deadLetter("taxii", err, doc);
    }
    await ctx.emit(envelope.items);
    const header = doc.headers.get("x-taxii-date-added-last");
    const last = header === null || header === "" ? undefined : header;
    if (!envelope.more) {
      if (last !== undefined) state.cursor = last;
      delete state.next;
      await ctx.saveState();
      return;
    }
    if (envelope.next !== undefined) {
      next = envelope.next;
      state.next = next;
      await ctx.saveState();
      continue;
    }
    // Paging by date alone: without the page's last date there is no way on.
    if (last === undefined) return;
    const first = doc.headers.get("x-taxii-date-added-first");
    let after = justBefore(last);
    if (after === undefined || first === last || (addedAfter !== undefined && after <= addedAfter)) {
      // A full page of one date_added: asking again from before it would return the same page.
      ctx.warn(
        "TAXII page holds a single date_added; objects past `limit` at that date may be missed (raise taxii.limit)",
        { dateAdded: last },
      );
      after = last;
    }
    addedAfter = after;
    next = undefined;
    delete state.next;
    state.cursor = after;
    await ctx.saveState();
  }
}

/**
 * A MISP feed: `manifest.json`, then `{uuid}.json` for each event whose timestamp moved since it was
 * last ingested (oldest change first, `misp.maxEvents` per poll).
 */
async function pollMisp(ctx: PollContext): Promise<void> {
  const { feed, state } = ctx;
  const root = base(feed.url!);
  const conditional: { etag?: string; lastModified?: string } = {};
  if (state.etag !== undefined) conditional.etag = state.etag;
  if (state.lastModified !== undefined) conditional.lastModified = state.lastModified;
  const manifestDoc = await ctx.request(`${root}/manifest.json`, ACCEPT.misp, conditional);
  if (manifestDoc.notModified) {
    ctx.notModified();
    return;
  }
  let manifest: MispManifestEntry[];
  try {
    manifest = parseMispManifest(manifestDoc.bytes);
  } catch (err) {
    throw await ctx.deadLetter("misp", err, manifestDoc);
  }
  const events = state.events;
  const changed = manifest.filter((e) => (events[e.uuid] ?? -1) < e.timestamp);
  const batch = changed.slice(0, feed.misp.maxEvents);
  let unsaved = 0;
  let failure: unknown;
  for (const entry of batch) {
    let doc: Fetched;
    try {
      doc = await ctx.request(`${root}/${encodeURIComponent(entry.uuid)}.json`, ACCEPT.misp);
    } catch (err) {
      // An event the manifest lists but the server no longer has is skipped, not retried forever.
      if (!(err instanceof TacError && err.code === ErrorCode.NotFound)) throw err;
      events[entry.uuid] = entry.timestamp;
      continue;
    }
    let items: NormalizedItem[] | undefined;
    try {
      items = parseMispEvent(doc.bytes);
    } catch (err) {
      failure = await ctx.deadLetter("misp", err, doc);
    }
    if (items !== undefined) await ctx.emit(items);
    events[entry.uuid] = entry.timestamp;
    if (++unsaved >= 50) {
      unsaved = 0;
      await ctx.saveState();
    }
  }
  // Events gone from the manifest are forgotten, so the state stays the manifest's size.
  const listed = new Set(manifest.map((e) => e.uuid));
  for (const uuid of Object.keys(events)) if (!listed.has(uuid)) delete events[uuid];
  // The manifest's validators are kept only once every change it lists is ingested.
  if (batch.length === changed.length) {
    if (manifestDoc.etag !== undefined) state.etag = manifestDoc.etag;
    if (manifestDoc.lastModified !== undefined) state.lastModified = manifestDoc.lastModified;
  }
  await ctx.saveState();
  if (failure !== undefined) throw failure;
}

export const SOURCES: Record<Exclude<FeedSourceKind, "webhook">, (ctx: PollContext) => Promise<void>> = {
  rss: pollDocument,
  json: pollDocument,
  stix: pollDocument,
  kev: pollDocument,
  taxii: pollTaxii,
  misp: pollMisp,
};
