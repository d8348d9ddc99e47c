import { ErrorCode, TacError } from "../../protocol/errors.ts";
import type { IngestMessage } from "../../protocol/message.ts";
import type { DlqStore } from "../dlq/store.ts";
import type { IngestResult } from "../ingestor.ts";
import type { NormalizedItem } from "../item.ts";
import type { FeedConfig } from "./config.ts";
import { itemToMessage } from "./messages.ts";
import type { SeenStore } from "./seen.ts";

export type Ingest = (feedId: string, messages: readonly IngestMessage[]) => Promise<IngestResult>;

export interface EmitDeps {
  feed: FeedConfig;
  ingest: Ingest;
  dlq: DlqStore;
  /** Keys already emitted; absent for webhooks, whose deliveries answer with every id they carried. */
  seen?: SeenStore;
  /** Messages per journal append (MAX_BATCH). */
  maxBatch: number;
  /** Epoch ms; judges whether an item's publication date is sane enough to date its message. */
  now: () => number;
}

export interface EmitResult {
  ids: string[];
  seqs: number[];
  /** Items skipped because they were emitted before. */
  duplicates: number;
  /** Items refused (each sent to the DLQ). */
  rejected: number;
}

const encoder = new TextEncoder();

/**
 * Items → journal: skips keys already emitted, turns each item into its message, sends an item that
 * fails validation to the DLQ (or, `strict`, refuses them all: a webhook delivery is taken whole or
 * not at all), appends in batches of `maxBatch`, and records the keys only once the journal holds them.
 * @param dedupKey - the identity that makes an item "the same" (MISP adds the event's timestamp).
 */
export async function emitItems(
  items: readonly NormalizedItem[],
  deps: EmitDeps,
  opts: {
    dedupKey?: (item: NormalizedItem) => string;
    strict?: boolean;
    /** Message ids the journal already holds (read after a lease takeover, when the keys are not ours). */
    knownIds?: ReadonlySet<string>;
  } = {},
): Promise<EmitResult> {
  const keyOf = opts.dedupKey ?? ((i: NormalizedItem) => i.key);
  const out: EmitResult = { ids: [], seqs: [], duplicates: 0, rejected: 0 };
  const fresh: { key: string; message: IngestMessage }[] = [];
  const batchKeys = new Set<string>();
  const journaled: string[] = [];
  for (const item of items) {
    const key = keyOf(item);
    if (batchKeys.has(key) || deps.seen?.has(key)) {
      out.duplicates++;
      continue;
    }
    batchKeys.add(key);
    try {
      const message = await itemToMessage(item, key, deps.feed, deps.now());
      if (opts.knownIds?.has(message.id!)) {
        out.duplicates++;
        journaled.push(key);
        continue;
      }
      fresh.push({ key, message });
    } catch (err) {
      if (!(err instanceof TacError) || opts.strict) throw err;
      out.rejected++;
      await deps.dlq.add({
        feedId: deps.feed.id,
        format: "item",
        reason: err.message,
        code: err.code,
        ...(err.path === undefined ? {} : { path: err.path }),
        contentType: "application/json",
        raw: encoder.encode(JSON.stringify(item)),
      });
    }
  }
  if (journaled.length > 0) await deps.seen?.add(journaled);
  if (opts.strict && fresh.length > deps.maxBatch) {
    throw TacError.validation(
      `delivery maps to ${fresh.length} items, more than MAX_BATCH (${deps.maxBatch})`,
    );
  }
  for (let i = 0; i < fresh.length; i += deps.maxBatch) {
    const chunk = fresh.slice(i, i + deps.maxBatch);
    const r = await deps.ingest(
      deps.feed.id,
      chunk.map((c) => c.message),
    );
    if (r.ids.length !== chunk.length) {
      throw new TacError(
        ErrorCode.Internal,
        `journal acknowledged ${r.ids.length} of ${chunk.length} messages`,
      );
    }
    out.ids.push(...r.ids);
    out.seqs.push(...r.seqs);
    await deps.seen?.add(chunk.map((c) => c.key));
  }
  return out;
}
