import { decodeFrame, encodeFrame, Flag, MESSAGE_TYPES, Offset, PRIORITIES } from "../protocol/frame.ts";
import { EncryptionError, type PayloadCipher } from "../security/encryption.ts";
import type {
  AppendEntry,
  FeedPosition,
  FeedSummary,
  Journal,
  JournalStatus,
  StoredMessage,
  TailListener,
} from "./journal.ts";

/** A stored message that could not be opened (its key was removed, or it was altered), with why. */
export interface UndecryptableMessage {
  feedId: string;
  seq: number;
  error: EncryptionError;
}

/**
 * Payload encryption at rest for any journal: frames are sealed (AES-256-GCM, the message id bound as
 * additional data) on their way in and opened on their way out, so the files or the JetStream stream
 * hold ciphertext while the hub and readers see plain frames. Decryption happens once per message on
 * the tail — never once per subscriber — and keeps seq order: each batch waits for the one before.
 *
 * A message that cannot be opened costs that message only: it is passed on in its place with no frame and
 * `damaged: "undecryptable"` (readers answer it with a DAMAGED_RECORD error, like a record that failed
 * its checksum) and reported to `onUndecryptable` with a typed EncryptionError, while the rest is served —
 * one record under a removed key must not turn a feed's replay into a 500, vanish without a trace, or
 * stop live delivery for good.
 */
export class EncryptedJournal implements Journal {
  readonly #inner: Journal;
  readonly #cipher: PayloadCipher;

  readonly #onUndecryptable: (e: UndecryptableMessage) => void;

  constructor(inner: Journal, cipher: PayloadCipher, onUndecryptable?: (e: UndecryptableMessage) => void) {
    this.#inner = inner;
    this.#cipher = cipher;
    this.#onUndecryptable = onUndecryptable ?? (() => {});
  }

  get kind(): Journal["kind"] {
    return this.#inner.kind;
  }

  get stats(): Journal["stats"] {
    return this.#inner.stats;
  }

  open(): Promise<void> {
    return this.#inner.open();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  status(): JournalStatus {
    return this.#inner.status();
  }

  position(feedId: string): Promise<FeedPosition> {
    return this.#inner.position(feedId);
  }

  /** Counts and times live in plain headers: nothing to open. */
  feeds(): Promise<FeedSummary[]> {
    return this.#inner.feeds?.() ?? Promise.resolve([]);
  }

  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    const sealed = await Promise.all(entries.map((e) => this.#seal(e)));
    return this.#inner.append(sealed);
  }

  async read(feedId: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    // One out per one in (nothing is dropped): a page shorter than `limit` still means the end of the feed.
    return this.#openAll(await this.#inner.read(feedId, afterSeq, limit));
  }

  tail(listener: TailListener): () => void {
    let chain = Promise.resolve();
    let active = true;
    const un = this.#inner.tail((batch) => {
      const opened = this.#openAll(batch);
      chain = chain
        .then(() => opened)
        .then((plain) => {
          if (active && plain.length > 0) listener(plain);
        })
        // A failing listener loses its batch, never the chain: later batches still arrive in order.
        .catch(() => {});
    });
    return () => {
      active = false;
      un();
    };
  }

  /** Opens each message, in order; one that fails is reported and stands in as `undecryptable`. */
  async #openAll(msgs: readonly StoredMessage[]): Promise<StoredMessage[]> {
    const settled = await Promise.allSettled(msgs.map((m) => this.#open(m)));
    return settled.map((r, i) => {
      if (r.status === "fulfilled") return r.value;
      const m = msgs[i]!;
      const error =
        r.reason instanceof EncryptionError
          ? r.reason
          : new EncryptionError("malformed", "stored frame cannot be opened", r.reason);
      this.#onUndecryptable({ feedId: m.feedId, seq: m.seq, error });
      // Never the sealed bytes: no reader may mistake ciphertext for a payload.
      return {
        seq: m.seq,
        feedId: m.feedId,
        priority: m.priority,
        expiresAt: m.expiresAt,
        frame: EMPTY,
        damaged: "undecryptable",
      };
    });
  }

  async #seal(e: AppendEntry): Promise<AppendEntry> {
    const f = decodeFrame(e.frame);
    const id = e.frame.subarray(Offset.id, Offset.id + 16);
    const payload = await this.#cipher.encryptPayload(f.payload, id);
    const frame = encodeFrame({ ...f, id, flags: f.flags | Flag.encrypted, payload });
    return { ...e, frame };
  }

  async #open(m: StoredMessage): Promise<StoredMessage> {
    // No bytes to open: passed on as damaged, so the reader reports it rather than skip it unseen.
    if (m.damaged) return m;
    const flags = m.frame[Offset.flags]!;
    if ((flags & Flag.encrypted) === 0) return m;
    const f = decodeFrame(m.frame);
    const id = m.frame.subarray(Offset.id, Offset.id + 16);
    const payload = await this.#cipher.decryptPayload(f.payload, id);
    const frame = encodeFrame({
      type: MESSAGE_TYPES[m.frame[Offset.type]!]!,
      priority: PRIORITIES[m.priority]!,
      flags: flags & ~Flag.encrypted,
      feedId: f.feedId,
      seq: m.seq,
      timestamp: f.timestamp,
      id,
      payload,
    });
    return { ...m, frame };
  }
}

const EMPTY = new Uint8Array(0);
