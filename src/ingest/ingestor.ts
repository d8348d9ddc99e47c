import type { IngestMessage } from "../protocol/message.ts";

export interface IngestResult {
  ids: string[];
  seqs: number[];
}

/**
 * The one way into the journal, shared by the webhook routes and the pollers: validates, encodes each
 * message's frame once, appends the batch all-or-nothing, resolves once durable.
 */
export interface Ingestor {
  ingest(feedId: string, messages: readonly IngestMessage[]): Promise<IngestResult>;
}
