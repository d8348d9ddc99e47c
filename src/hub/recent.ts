import type { StoredMessage } from "../journal/journal.ts";
import { MessageRing } from "../journal/message-ring.ts";
import type { DamageReason } from "../protocol/errors.ts";

/**
 * Bytes a string occupies: JavaScriptCore keeps a string with only Latin-1 characters at one byte per
 * character, anything else at two. The cached JSON text is often as large as the frame, so leaving it
 * out of the count let the cache hold several times its budget.
 */
export function stringBytes(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole Latin-1 range is the point
  return /[^\u0000-\u00ff]/.test(s) ? s.length * 2 : s.length;
}

/** Slot numbers of one feed's cached messages, oldest first, addressed by a running position. */
class SlotQueue {
  #buf = new Float64Array(16);
  #mask = 15;
  /** Position of the oldest slot held; positions count up forever. */
  start = 0;
  end = 0;

  push(slot: number): void {
    if (this.end - this.start === this.#mask + 1) {
      const next = new Float64Array((this.#mask + 1) * 2);
      const mask = next.length - 1;
      for (let p = this.start; p < this.end; p++) next[p & mask] = this.#buf[p & this.#mask]!;
      this.#buf = next;
      this.#mask = mask;
    }
    this.#buf[this.end++ & this.#mask] = slot;
  }

  shift(): void {
    this.start++;
  }

  at(pos: number): number {
    return this.#buf[pos & this.#mask]!;
  }
}

/**
 * A walk over one feed's cached messages after a seq, for a replay that may stop and be resumed: `next()`
 * gives the next slot, or -1 when there is none left (`lost` then tells whether messages the walk had
 * not reached were evicted under it, so the rest must come from the journal).
 */
export interface RecentWalk {
  next(): number;
  readonly lost: boolean;
}

/**
 * The newest messages this node fanned out, within a byte budget, oldest evicted first. Because fan-out
 * sees every durable message in seq order, the cache holds *every* message with seq above `floor`, for
 * every feed — so a client resuming from such a seq is served from memory, synchronously, and joins the
 * live topics in the same step: no journal round trip, no seam to guard. That is what makes a
 * thousand clients failing over to this node at once cheap (they all resume from a recent seq).
 *
 * Messages live in a MessageRing (frames copied into chunks, the rest in typed-array columns: no heap
 * object per message, see there why) and are named by slot numbers; each feed keeps its slots in order.
 */
export class RecentMessages {
  readonly #ring: MessageRing;
  /** Per feed number (the ring's): its slots. */
  #byFeed: (SlotQueue | undefined)[] = [];
  #floor = Number.POSITIVE_INFINITY;

  constructor(budgetBytes: number) {
    this.#ring = new MessageRing(budgetBytes);
    this.#ring.onEvict = (i, feedNo) => {
      this.#floor = this.#ring.seqAt(i);
      const q = this.#byFeed[feedNo]!;
      q.shift();
      // The ring frees the feed's number with its last message: the queue goes with it.
      if (q.start === q.end) this.#byFeed[feedNo] = undefined;
    };
  }

  /** Every message with seq > floor is here (until the cache is reset). */
  get floor(): number {
    return this.#floor;
  }

  get bytes(): number {
    return this.#ring.bytes;
  }

  /** Starts over: messages after `floor` will be added in order from now on. */
  reset(floor: number): void {
    this.#ring.clear();
    this.#byFeed = [];
    this.#floor = floor;
  }

  /** Adds the next message in seq order; returns its slot (-1 when nothing is cached). */
  add(m: StoredMessage): number {
    const ring = this.#ring;
    if (ring.budget <= 0) {
      this.#floor = m.seq;
      return -1;
    }
    const i = ring.push(m);
    const no = ring.feedNoAt(i);
    let q = this.#byFeed[no];
    if (q === undefined) {
      q = new SlotQueue();
      this.#byFeed[no] = q;
    }
    q.push(i);
    ring.trim();
    return i;
  }

  /**
   * The JSON text of a message, built at most once while it is cached; its bytes count against the
   * budget. `frame` is the message's (the caller has it; the slot may be gone already).
   */
  json(slot: number, frame: Uint8Array, build: (frame: Uint8Array) => string): string {
    const ring = this.#ring;
    if (!ring.has(slot)) return build(frame);
    const cached = ring.textAt(slot);
    if (cached !== undefined) return cached;
    const text = build(frame);
    ring.setText(slot, text, stringBytes(text));
    ring.trim();
    return text;
  }

  /** `json` for a slot still held (a replay's). */
  jsonAt(slot: number, build: (frame: Uint8Array) => string): string {
    return this.#ring.textAt(slot) ?? this.json(slot, this.#ring.frameAt(slot), build);
  }

  has(slot: number): boolean {
    return this.#ring.has(slot);
  }
  seqAt(slot: number): number {
    return this.#ring.seqAt(slot);
  }
  priorityAt(slot: number): number {
    return this.#ring.priorityAt(slot);
  }
  expiresAtAt(slot: number): number {
    return this.#ring.expiresAtAt(slot);
  }
  lengthAt(slot: number): number {
    return this.#ring.lengthAt(slot);
  }
  frameAt(slot: number): Uint8Array {
    return this.#ring.frameAt(slot);
  }
  damagedAt(slot: number): DamageReason | undefined {
    return this.#ring.damagedAt(slot);
  }
  message(slot: number): StoredMessage {
    return this.#ring.message(slot);
  }

  /** Walks the cached messages of `feedId` with seq > `since`, oldest first; only when `since >= floor`. */
  walk(feedId: string, since: number): RecentWalk {
    const ring = this.#ring;
    const no = ring.feedNumber(feedId);
    const q = no === undefined ? undefined : this.#byFeed[no];
    if (q === undefined) return { next: () => -1, lost: false };
    let lo = q.start;
    let hi = q.end;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (ring.seqAt(q.at(mid)) <= since) lo = mid + 1;
      else hi = mid;
    }
    let pos = lo;
    let lost = false;
    return {
      next: () => {
        if (pos < q.start) lost = true;
        if (lost || pos >= q.end) return -1;
        return q.at(pos++);
      },
      get lost() {
        return lost;
      },
    };
  }

  /** The cached messages of `feedId` with seq > `since`, oldest first (tests and small callers). */
  after(feedId: string, since: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    const w = this.walk(feedId, since);
    for (let i = w.next(); i >= 0; i = w.next()) out.push(this.message(i));
    return out;
  }
}
