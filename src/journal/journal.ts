/**
 * The durable journal: one interface, two implementations (embedded file log, NATS JetStream), one
 * contract test suite (`test/journal/contract.ts`) run against both.
 *
 * Positions: `seq` is the journal-wide position (the JetStream stream sequence, or the embedded log's
 * record number), strictly increasing, not contiguous within a feed. `epoch` names one incarnation of
 * the history: it changes when the journal is recreated, which voids every position a client holds.
 */

import type { DamageReason } from "../protocol/errors.ts";

export interface AppendEntry {
  feedId: string;
  /**
   * Canonical UUID string; the journal de-duplicates on it (a retried publish is stored once). Must equal
   * the id in the frame (bytes 24..40): the embedded journal de-duplicates on those bytes.
   */
  id: string;
  /** The encoded binary frame with seq = 0; the journal writes the assigned seq into it in place. */
  frame: Uint8Array;
  /** 0 critical … 3 low, as in the frame header; kept beside the frame so replays filter cheaply. */
  priority: number;
  /** Epoch ms after which the message is not replayed (timestamp + payload ttl); 0 = never expires. */
  expiresAt: number;
}

/**
 * Buffers that hold nothing but frames, back to back (an ingest batch's, allocated at its exact size).
 * A cache may keep views of such a buffer instead of copying each frame out: what the views keep alive
 * is frames, and it charges the buffer once. A view of any other buffer (a request body, a read span)
 * is copied, or the rest of that buffer would be held unseen.
 */
export const framePackedBuffers = new WeakSet<ArrayBufferLike>();

export interface StoredMessage {
  seq: number;
  feedId: string;
  priority: number;
  expiresAt: number;
  /** The frame with `seq` written in. Readers must not modify it: the same bytes fan out to everyone. */
  frame: Uint8Array;
  /**
   * The message exists but cannot be served: `frame` is then empty, and the readers answer this seq with
   * a `DAMAGED_RECORD` error (with this reason) rather than serve bytes nobody wrote or skip it unseen.
   */
  damaged?: DamageReason;
}

export interface FeedPosition {
  epoch: string;
  /** Seq of the newest retained message of this feed, 0 when it has none. */
  head: number;
  /** Journal-wide: the oldest retained seq (1 when nothing was ever removed, or the journal is empty). */
  first: number;
  /** Journal-wide: the newest committed (durable) seq (0 when empty). */
  last: number;
}

export interface JournalStatus {
  ready: boolean;
  /** Why the journal is not ready (e.g. "nats: connection refused"), for /ready and logs. */
  reason?: string;
  /**
   * The journal will not become ready by itself (a failed write or fsync: only reopening the files can
   * tell what is on disk). `/health` then fails too, so an orchestrator restarts the node; a transient
   * cause (NATS unreachable) leaves it unset and the node keeps waiting.
   */
  fatal?: boolean;
  /** Not ready for writes, but what is stored can still be read (a failed write): reads keep serving. */
  readable?: boolean;
}

export interface Retention {
  /** Keep at most this many messages journal-wide (0 = unlimited). */
  maxMessages: number;
  /** Drop messages older than this (ms since they were appended; 0 = unlimited). */
  maxAgeMs: number;
  /** Keep at most this many bytes of frames (0 = unlimited). */
  maxBytes: number;
}

/** What a journal retains of one feed, for the feed catalog (asked once, when the hub starts). */
export interface FeedSummary {
  feedId: string;
  /** Messages retained (expired ones included until retention removes them). */
  count: number;
  /** Seq of the newest retained message. */
  head: number;
  /** The newest message's timestamp (epoch ms), when the journal could read it. */
  newestAt?: number;
}

export type TailListener = (batch: readonly StoredMessage[]) => void;

/** How a journal that writes its own files spends its syncs (group size = records ÷ groups). */
export interface WriteStats {
  readonly fsyncs: number;
  readonly groups: number;
  readonly records: number;
  /** Acknowledged records and bytes recovery had to drop (each time with a new epoch). */
  readonly droppedRecords?: number;
  readonly droppedBytes?: number;
}

export interface Journal {
  readonly kind: "embedded" | "jetstream";
  /** Counters of the write path, for journals that have one of their own (the embedded journal). */
  readonly stats?: WriteStats;
  open(): Promise<void>;
  close(): Promise<void>;
  status(): JournalStatus;
  /**
   * Appends a batch. Resolves with one seq per entry, in order, only once every entry is durable
   * (fsynced / acknowledged by JetStream). Entries whose id was already stored (within the de-duplication
   * window) resolve with the seq stored the first time and are not stored again. Rejects with `TacError`
   * code `UNAVAILABLE` when any entry is not durable: then nothing was acknowledged. The embedded journal
   * stores a batch all or nothing; JetStream may have stored some entries, which a retry with the same
   * ids stores exactly once.
   */
  append(entries: readonly AppendEntry[]): Promise<number[]>;
  /** Messages of `feedId` with seq > `afterSeq`, ascending, at most `limit`, expired ones left out. */
  read(feedId: string, afterSeq: number, limit: number): Promise<StoredMessage[]>;
  /** `feedId` "" asks for the whole journal: `head` is then 0 and `first`/`last`/`epoch` as for any feed. */
  position(feedId: string): Promise<FeedPosition>;
  /**
   * Every feed with retained messages and its count, from what the journal already keeps (the embedded
   * per-feed indexes; JetStream's per-subject stream state): no scan of the messages.
   */
  feeds?(): Promise<FeedSummary[]>;
  /**
   * Live tail: every message that becomes durable from now on, in seq order, each exactly once per
   * listener (including messages other nodes appended, for a shared journal). Returns an unsubscribe.
   */
  tail(listener: TailListener): () => void;
  /**
   * Messages after `fromSeq` up to `toSeq`, for journals whose seqs are not one per message (JetStream
   * with group commit): at least that many, exact within one group. Absent: `toSeq − fromSeq`.
   */
  backlog?(fromSeq: number, toSeq: number): number;
}
