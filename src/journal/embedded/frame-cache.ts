/**
 * The most recent committed frames, by seq, bounded in bytes, so that a reconnecting client's replay
 * of the last minutes is served from memory. Seqs committed by one open journal are contiguous, so the
 * cache is a deque indexed by `seq - base`: O(1) lookups, no per-entry map node.
 */
/** What a cached Uint8Array costs beyond its bytes (object header, backing-store record, slot). */
const ENTRY_OVERHEAD = 96;
const COMPACT_AT = 4096;

export class FrameCache {
  private frames: (Uint8Array | undefined)[] = [];
  private head = 0;
  private base = 0;
  private bytes = 0;

  constructor(private readonly limitBytes: number) {}

  get byteSize(): number {
    return this.bytes;
  }

  put(seq: number, frame: Uint8Array): void {
    if (this.limitBytes <= 0) return;
    if (this.head === this.frames.length) this.clear(seq);
    else if (seq !== this.base + (this.frames.length - this.head)) this.clear(seq);
    this.frames.push(frame);
    this.bytes += frame.length + ENTRY_OVERHEAD;
    while (this.bytes > this.limitBytes && this.head < this.frames.length) this.evictOldest();
  }

  get(seq: number): Uint8Array | undefined {
    const i = seq - this.base + this.head;
    return i >= this.head && i < this.frames.length ? this.frames[i] : undefined;
  }

  /** Drops frames with seq < `seq` (their segment was deleted). */
  dropBefore(seq: number): void {
    while (this.head < this.frames.length && this.base < seq) this.evictOldest();
  }

  private evictOldest(): void {
    const frame = this.frames[this.head];
    if (frame) this.bytes -= frame.length + ENTRY_OVERHEAD;
    this.frames[this.head] = undefined;
    this.head++;
    this.base++;
    if (this.head >= COMPACT_AT && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }

  private clear(base: number): void {
    this.frames = [];
    this.head = 0;
    this.base = base;
    this.bytes = 0;
  }
}
