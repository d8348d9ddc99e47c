import { decodeFrame, encodeFrame, Flag, MESSAGE_TYPES, Offset, PRIORITIES } from "../protocol/frame.ts";
import type { PayloadCipher } from "../security/encryption.ts";
import type {
  AppendEntry,
  FeedPosition,
  Journal,
  JournalStatus,
  StoredMessage,
  TailListener,
} from "./journal.ts";

/**
 * Payload encryption at rest for any journal: frames are sealed (AES-256-GCM, the message id bound as
 * additional data) on their way in and opened on their way out, so the files or the JetStream stream
 * hold ciphertext while the hub and readers see plain frames. Decryption happens once per message on
 * the tail — never once per subscriber — and keeps seq order: each batch waits for the one before.
 */
export class EncryptedJournal implements Journal {
  readonly #inner: Journal;
  readonly #cipher: PayloadCipher;

  constructor(inner: Journal, cipher: PayloadCipher) {
    this.#inner = inner;
    this.#cipher = cipher;
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

  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    const sealed = await Promise.all(entries.map((e) => this.#seal(e)));
    return this.#inner.append(sealed);
  }

  async read(feedId: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    const msgs = await this.#inner.read(feedId, afterSeq, limit);
    return Promise.all(msgs.map((m) => this.#open(m)));
  }

  tail(listener: TailListener): () => void {
    let chain = Promise.resolve();
    let active = true;
    const un = this.#inner.tail((batch) => {
      const opened = Promise.all(batch.map((m) => this.#open(m)));
      chain = chain
        .then(() => opened)
        .then((plain) => {
          if (active) listener(plain);
        });
    });
    return () => {
      active = false;
      un();
    };
  }

  async #seal(e: AppendEntry): Promise<AppendEntry> {
    const f = decodeFrame(e.frame);
    const id = e.frame.subarray(Offset.id, Offset.id + 16);
    const payload = await this.#cipher.encryptPayload(f.payload, id);
    const frame = encodeFrame({ ...f, id, flags: f.flags | Flag.encrypted, payload });
    return { ...e, frame };
  }

  async #open(m: StoredMessage): Promise<StoredMessage> {
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
