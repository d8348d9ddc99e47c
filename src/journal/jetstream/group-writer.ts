import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { Offset } from "../../protocol/frame.ts";
import { LruMap } from "../../resilience/lru.ts";
import { DedupWindow } from "../dedup.ts";
import type { AppendEntry } from "../journal.ts";
import { GROUP_MAX, groupMsgId, joinFrames, packSeq } from "./group.ts";
import { groupHeaders } from "./message.ts";
import type { ResolvedOptions } from "./options.ts";

/** One `append` call waiting for the seqs of its entries. */
interface Waiter {
  seqs: number[];
  pending: number;
  settled: boolean;
  /** The queue index of the group holding this append's latest entry: its next may not go earlier. */
  lastGroup: number;
  resolve(seqs: number[]): void;
  reject(err: unknown): void;
}

/** One distinct message id queued or in flight, and every entry (of any append) that asked for it. */
interface Member {
  /** `<feed>/<id>` while other appends may join it; undefined for a fresh id (nobody else can have it). */
  key: string | undefined;
  entry: AppendEntry;
  slots: { waiter: Waiter; index: number }[];
}

/** One JetStream message to be: frames of one feed, in queue order. */
interface Group {
  feedId: string;
  members: Member[];
  bytes: number;
}

/** Bytes a frame costs in a group besides itself: its expiry in the header (≤ 14 digits and a comma). */
const PER_FRAME_HEADER_BYTES = 15;
/** Room for the other headers (`Nats-Msg-Id`, `Tac-Frames`) and the subject. */
const HEADER_SLACK = 4096;
/** Ids remembered as in doubt at most (each a failed append's; past it, the oldest go: `GroupWriter.inDoubt`). */
const MAX_IN_DOUBT = 65_536;

/**
 * Group commit to JetStream. `append` queues its entries; once per event-loop turn (`setImmediate`, after
 * the I/O callbacks of the turn ran, so concurrent requests share it) the queue goes out as one
 * JetStream message per feed (split at `GROUP_MAX` frames or the server's `max_payload`). Publishing does
 * not wait for earlier acks: groups are pipelined as single messages were.
 *
 * De-duplication per message: an id already in the window (this node's acks, the tail's deliveries of
 * every node's appends) answers its seq without a publish; an id already queued or in flight shares that
 * entry's seq; a whole group retried as it was is caught by JetStream (`Nats-Msg-Id` = hash of its ids).
 * The window is the embedded journal's: keyed on the frame's 16 id bytes and a tag of the feed, in typed
 * arrays — a `Map` of 262,144 `<feed>/<id>` strings was most of the group path's CPU and a large,
 * constantly rewritten object graph for the collector.
 */
export class GroupWriter {
  readonly window: DedupWindow;
  private readonly members = new Map<string, Member>();
  /** This turn's groups, in publish (= stream seq) order. */
  private queue: Group[] = [];
  /** Per feed, the queue index of its newest group: where the feed's next entries may join. */
  private open = new Map<string, number>();
  private scheduled = false;
  /** Groups awaiting acks: failed at once when the connection drops. */
  private readonly inflight = new Set<Member[]>();
  /**
   * Ids of groups whose ack never came (timeout, dropped connection), with when: JetStream may have
   * stored them all the same — a paused server stores what was already on its socket when it resumes.
   * A retry of such an id in another group has another `Nats-Msg-Id`, so only the window can catch it,
   * and only once the tail has delivered what the stream holds: such an append first waits for that
   * (`settle`). Measured before: a batch retried as single messages after a stall stored the first one
   * twice, 2 runs in 5 (test/cluster/nats-stall.test.ts).
   */
  private readonly inDoubt = new LruMap<string, number>(MAX_IN_DOUBT);

  constructor(
    private readonly o: ResolvedOptions,
    private readonly client: () => { js: JetStreamClient; maxPayload: number },
    private readonly acked: (streamSeq: number) => void,
    private readonly failure: (err: unknown) => unknown,
    /** Resolves once the tail has delivered every message the stream holds now (see `inDoubt`). */
    private readonly settle: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.window = new DedupWindow(o.duplicateWindowMs, o.dedupMaxIds);
  }

  append(entries: readonly AppendEntry[]): Promise<number[]> {
    const now = this.o.now();
    if (this.inDoubt.size > 0) {
      const doubtful = this.doubtful(entries, now);
      if (doubtful.length > 0) {
        return this.settle().then(
          () => {
            for (const k of doubtful) this.inDoubt.delete(k);
            return this.append(entries);
          },
          (err: unknown) => {
            throw this.failure(err);
          },
        );
      }
    }
    const seqs = new Array<number>(entries.length);
    let waiter: Waiter | undefined;
    const promise = new Promise<number[]>((resolve, reject) => {
      waiter = { seqs, pending: 0, settled: false, resolve, reject, lastGroup: -1 };
    });
    const w = waiter!;
    const budget = Math.max(1, this.client().maxPayload - HEADER_SLACK);
    // Expiry where it matters: before the lookups (adds evict by count on their own).
    this.window.expire(now);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      // A fresh id (made by this node for this append, AppendEntry.fresh) can be neither in the window
      // nor queued: both lookups are skipped.
      let key: string | undefined;
      if (e.fresh !== true) {
        // Scoped by feed, as `Nats-Msg-Id` is without group commit (docs/jetstream.md).
        const known = this.window.get(e.frame, Offset.id, this.window.tag(e.feedId));
        if (known !== undefined) {
          seqs[i] = known;
          continue;
        }
        key = `${e.feedId}/${e.id}`;
        const queued = this.members.get(key);
        if (queued !== undefined) {
          w.pending++;
          queued.slots.push({ waiter: w, index: i });
          continue;
        }
      }
      w.pending++;
      const m: Member = { key, entry: e, slots: [{ waiter: w, index: i }] };
      if (key !== undefined) this.members.set(key, m);
      // Joining the feed's open group keeps this append's seqs increasing only if that group is not
      // before the one holding its previous entry (a batch alternating feeds opens a group per run).
      const cost = e.frame.length + PER_FRAME_HEADER_BYTES;
      let gi = this.open.get(e.feedId);
      const g = gi === undefined ? undefined : this.queue[gi];
      if (
        gi === undefined ||
        g === undefined ||
        gi < w.lastGroup ||
        g.members.length >= GROUP_MAX ||
        g.bytes + cost > budget
      ) {
        gi = this.queue.push({ feedId: e.feedId, members: [], bytes: 0 }) - 1;
        this.open.set(e.feedId, gi);
      }
      const group = this.queue[gi]!;
      group.members.push(m);
      group.bytes += cost;
      w.lastGroup = gi;
    }
    if (w.pending === 0) return Promise.resolve(seqs);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return promise;
  }

  /** Keys of `entries` in doubt (see `inDoubt`); expired doubts are dropped on the way. */
  private doubtful(entries: readonly AppendEntry[], now: number): string[] {
    const out: string[] = [];
    for (const e of entries) {
      if (e.fresh === true) continue;
      const key = `${e.feedId}/${e.id}`;
      const at = this.inDoubt.peek(key);
      if (at === undefined) continue;
      if (now - at > this.o.duplicateWindowMs) this.inDoubt.delete(key);
      else out.push(key);
    }
    return out;
  }

  /** Fails every group awaiting its ack (the connection dropped: its ack may never come). */
  abortAll(err: unknown): void {
    const groups = [...this.inflight];
    this.inflight.clear();
    for (const g of groups) this.fail(g, err);
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    this.open = new Map();
    let js: JetStreamClient;
    try {
      js = this.client().js;
    } catch (err) {
      for (const g of queue) this.fail(g.members, err);
      return;
    }
    for (const g of queue) this.publish(js, g.feedId, g.members);
  }

  private publish(js: JetStreamClient, feedId: string, group: Member[]): void {
    const frames = group.map((m) => m.entry.frame);
    const ids = group.map((m) => m.entry.id);
    const expiries = group.map((m) => m.entry.expiresAt);
    this.inflight.add(group);
    let ack: Promise<PubAck>;
    try {
      ack = js.publish(`${this.o.subjectPrefix}.${feedId}`, joinFrames(frames), {
        msgID: groupMsgId(feedId, ids),
        headers: groupHeaders(group.length, expiries),
        timeout: this.o.requestTimeoutMs,
      });
    } catch (err) {
      this.inflight.delete(group);
      this.fail(group, err);
      return;
    }
    ack.then(
      (a) => {
        // Already failed by abortAll: its waiters have their answer; the retry will find the seqs.
        if (!this.inflight.delete(group)) return;
        this.acked(a.seq);
        const now = this.o.now();
        const tag = this.window.tag(feedId);
        for (let i = 0; i < group.length; i++) {
          const m = group[i]!;
          const seq = packSeq(a.seq, i);
          this.window.add(m.entry.frame, Offset.id, tag, seq, now, true);
          if (m.key !== undefined) this.members.delete(m.key);
          for (const s of m.slots) {
            s.waiter.seqs[s.index] = seq;
            if (--s.waiter.pending === 0 && !s.waiter.settled) {
              s.waiter.settled = true;
              s.waiter.resolve(s.waiter.seqs);
            }
          }
        }
      },
      (err: unknown) => {
        if (!this.inflight.delete(group)) return;
        this.fail(group, err);
      },
    );
  }

  private fail(group: Member[], err: unknown): void {
    const reason = this.failure(err);
    const now = this.o.now();
    for (const m of group) {
      if (m.key !== undefined) this.inDoubt.set(m.key, now);
      if (m.key !== undefined && this.members.get(m.key) === m) this.members.delete(m.key);
      for (const s of m.slots) {
        if (s.waiter.settled) continue;
        s.waiter.settled = true;
        s.waiter.reject(reason);
      }
    }
  }
}
