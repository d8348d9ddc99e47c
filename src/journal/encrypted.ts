import { crc32 } from "../protocol/checksum.ts";
import { Flag, FRAME_MAGIC_0, FRAME_MAGIC_1, HEADER_SIZE, Offset, writeSeq } from "../protocol/frame.ts";
import { EncryptionError, type PayloadCipher } from "../security/encryption.ts";
import type {
  AppendEntry,
  FeedPosition,
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
 * hold ciphertext while the hub and readers see plain frames. Only the payload section is sealed; the
 * header and feed id are copied, not decoded and re-encoded. Decryption happens at most once per message
 * on the tail — never once per subscriber; not at all for this node's own appends, whose plain frames it
 * still holds — synchronously in the commit's turn, so seq order is kept as is.
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
  /** Sealed frame → the plain frame it was made from, for appends in flight (see `append`). */
  readonly #appending = new WeakMap<Uint8Array, Uint8Array>();

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

  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    const sealed = this.#sealAll(entries);
    // The tail of this very commit gets the plain frames it already has instead of opening each one
    // again; kept only while the append is in flight (a tail batch that comes later, as JetStream's may,
    // is opened as usual).
    for (let i = 0; i < sealed.length; i++) this.#appending.set(sealed[i]!.frame, entries[i]!.frame);
    try {
      return await this.#inner.append(sealed);
    } finally {
      for (const s of sealed) this.#appending.delete(s.frame);
    }
  }

  async read(feedId: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    // One out per one in (nothing is dropped): a page shorter than `limit` still means the end of the feed.
    return this.#openAll(await this.#inner.read(feedId, afterSeq, limit));
  }

  tail(listener: TailListener): () => void {
    // Opened synchronously, once per message, in the commit's own turn: order is the journal's, and the
    // hub gets plain frames it encodes nothing more for, whatever the number of subscribers.
    return this.#inner.tail((batch) => {
      const plain = this.#openAll(batch, true);
      if (plain.length === 0) return;
      try {
        listener(plain);
      } catch {
        // A failing listener loses its batch, never the tail: later batches still arrive in order.
      }
    });
  }

  /** Opens each message, in order; one that fails is reported and stands in as `undecryptable`. */
  #openAll(msgs: readonly StoredMessage[], live = false): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (const m of msgs) {
      // No bytes to open: passed on as damaged, so the reader reports it rather than skip it unseen.
      if (m.damaged) {
        out.push(m);
        continue;
      }
      try {
        const known = live ? this.#appending.get(m.frame) : undefined;
        out.push(known === undefined ? this.#open(m) : this.#known(m, known));
      } catch (err) {
        const error =
          err instanceof EncryptionError
            ? err
            : new EncryptionError("malformed", "stored frame cannot be opened", err);
        this.#onUndecryptable({ feedId: m.feedId, seq: m.seq, error });
        // Never the sealed bytes: no reader may mistake ciphertext for a payload.
        out.push({
          seq: m.seq,
          feedId: m.feedId,
          priority: m.priority,
          expiresAt: m.expiresAt,
          frame: EMPTY,
          damaged: "undecryptable",
        });
      }
    }
    return out;
  }

  /**
   * The frame with its payload section sealed: header and feed id copied as they are (the ids are the
   * AES-GCM associated data), the encrypted flag, the sealed payload's length and CRC. No decode and
   * re-encode of the frame; the CRC is the one the frame format asks for (of the bytes it carries).
   */
  #sealAll(entries: readonly AppendEntry[]): AppendEntry[] {
    // One buffer for the whole batch, each sealed frame a view of it: one allocation per append rather
    // than four per message (result, frame, and their copies), on the path every message takes.
    const parts = entries.map((e) => {
      const { head, payload } = sections(e.frame);
      return { head, payload, sealedLength: this.#cipher.sealedLength(payload.byteLength) };
    });
    let total = 0;
    for (const { head, sealedLength } of parts) total += head + sealedLength;
    const buf = new Uint8Array(new ArrayBuffer(total));
    const out: AppendEntry[] = new Array(entries.length);
    let at = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const { head, payload, sealedLength } = parts[i]!;
      const frame = buf.subarray(at, at + head + sealedLength);
      frame.set(e.frame.subarray(0, head));
      this.#cipher.sealSyncInto(payload, e.frame.subarray(Offset.id, Offset.id + 16), buf, at + head);
      writeU32(frame, Offset.checksum, crc32(frame.subarray(head)));
      writeU32(frame, Offset.payloadLength, sealedLength);
      frame[Offset.flags] = frame[Offset.flags]! | Flag.encrypted;
      out[i] = { ...e, frame };
      at += head + sealedLength;
    }
    return out;
  }

  /** A message of an append in flight: its plain frame with the seq the journal gave it. */
  #known(m: StoredMessage, plain: Uint8Array): StoredMessage {
    this.#appending.delete(m.frame);
    plain[Offset.priority] = m.priority;
    writeSeq(plain, m.seq);
    return { ...m, frame: plain };
  }

  /**
   * The plain frame of a stored one, built once per message (never per subscriber). Reads frames of
   * both the previous layout and this one: they are the same bytes — the previous code decoded and
   * re-encoded to produce exactly this header.
   */
  #open(m: StoredMessage): StoredMessage {
    const flags = m.frame[Offset.flags]!;
    if ((flags & Flag.encrypted) === 0) return m;
    const { head, payload } = sections(m.frame);
    const plain = this.#cipher.openSync(payload, m.frame.subarray(Offset.id, Offset.id + 16));
    const frame = withPayload(m.frame, head, plain);
    frame[Offset.flags] = flags & ~Flag.encrypted;
    frame[Offset.priority] = m.priority;
    writeSeq(frame, m.seq);
    return { ...m, frame };
  }
}

/** Header + feed id, and the payload, of a frame whose lengths must add up (else "malformed"). */
function sections(frame: Uint8Array): { head: number; payload: Uint8Array } {
  if (frame.length < HEADER_SIZE || frame[0] !== FRAME_MAGIC_0 || frame[1] !== FRAME_MAGIC_1)
    throw new EncryptionError("malformed", "not a frame");
  // Big-endian reads by hand: a DataView per message was an allocation on the sealing hot path.
  const head = HEADER_SIZE + ((frame[Offset.feedIdLength]! << 8) | frame[Offset.feedIdLength + 1]!);
  const length = readU32(frame, Offset.payloadLength);
  if (head + length !== frame.length) throw new EncryptionError("malformed", "frame length mismatch");
  return { head, payload: frame.subarray(head, head + length) };
}

/** A copy of `frame`'s header and feed id followed by `payload`, with its length and CRC. */
function withPayload(frame: Uint8Array, head: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(head + payload.length);
  out.set(frame.subarray(0, head));
  out.set(payload, head);
  writeU32(out, Offset.checksum, crc32(payload));
  writeU32(out, Offset.payloadLength, payload.length);
  return out;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

const EMPTY = new Uint8Array(0);
