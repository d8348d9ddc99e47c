import { MessageRing } from "../message-ring.ts";

/**
 * The most recent committed frames, by seq, bounded in bytes, so that a reconnecting client's replay
 * of the last minutes is served from memory. Seqs committed by one open journal are contiguous, so a
 * seq's slot is `first + (seq - seq of first)`; the frames live in a MessageRing (copied into chunks,
 * no heap object per frame: see there why).
 */
export class FrameCache {
  private readonly ring: MessageRing;

  constructor(limitBytes: number) {
    this.ring = new MessageRing(limitBytes);
  }

  get byteSize(): number {
    return this.ring.bytes;
  }

  put(seq: number, frame: Uint8Array): void {
    const r = this.ring;
    if (r.budget <= 0) return;
    if (r.size > 0 && seq !== r.seqAt(r.end - 1) + 1) r.clear();
    r.pushFields(seq, "", 0, 0, frame);
    r.trim();
  }

  get(seq: number): Uint8Array | undefined {
    const r = this.ring;
    if (r.size === 0) return undefined;
    const i = r.first + (seq - r.seqAt(r.first));
    return r.has(i) ? r.frameAt(i) : undefined;
  }

  /** Drops frames with seq < `seq` (their segment was deleted). */
  dropBefore(seq: number): void {
    const r = this.ring;
    while (r.size > 0 && r.seqAt(r.first) < seq) r.evictOldest();
  }
}
