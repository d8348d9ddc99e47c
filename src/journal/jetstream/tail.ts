import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { StoredMessage, TailListener } from "../journal.ts";
import { errorText, pause, retryDelay } from "./connection.ts";
import { expiresAtOf, toStored } from "./message.ts";
import type { JournalLogger, ResolvedOptions } from "./options.ts";

interface Subscriber {
  listener: TailListener;
  /** Seqs up to this one were durable before the listener subscribed: it does not get them. */
  after: number;
}

/**
 * The live tail: ONE ordered consumer for the whole journal, however many listeners. While connected,
 * the client's ordered consumer recreates itself from the next seq when it sees a gap or its heartbeats
 * stop; after a reconnect the journal restarts it from the last seq delivered (see `start`). Either
 * way: no gap, no duplicate.
 *
 * Messages parsed from one socket read are delivered synchronously one by one; they are gathered and
 * handed to every listener as one batch in a microtask, because the hub's fan-out costs per batch.
 */
/** How long the tail may owe known seqs without delivering before it is restarted (see `checkStall`). */
const STALL_MS = 3_000;
const STALL_CHECK_MS = 500;

export class Tail {
  private readonly subscribers: Subscriber[] = [];
  private messages: ConsumerMessages | undefined;
  private consumer: Consumer | undefined;
  private starting = false;
  private batch: StoredMessage[] = [];
  private closed = false;
  private readonly stopping = new AbortController();
  /** The last seq the tail is responsible for: set at the first start, then advanced by deliveries. */
  private cursor: number | undefined;
  /** `reach` calls waiting for the cursor. */
  private reachers: { seq: number; done: () => void; fail: (err: Error) => void }[] = [];
  /** The client of the last `start`, for the stall watchdog's restarts. */
  private js: JetStreamClient | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /** When the tail last delivered, or last owed nothing (monotonic ms). */
  private progressAt = 0;
  private stallMs = STALL_MS;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly log: JournalLogger | undefined,
    /** Highest seq this journal knows to be durable (acks, stream info, tail deliveries). */
    private readonly knownLastSeq: () => number,
    private readonly sawSeq: (seq: number) => void,
    /**
     * Group commit: the frames of one JetStream message (seqs derived from its stream seq), and the
     * highest frame seq of the groups up to a stream seq. Undefined: one frame per message, seq = stream seq.
     */
    private readonly groups?: {
      decode: (m: JsMsg) => StoredMessage[];
      lastSeqOf: (streamSeq: number) => number;
    },
  ) {}

  /**
   * Resolves once every stream seq up to `seq` has been delivered (and decoded: the journal's window has
   * seen its ids); rejects after `timeoutMs`.
   */
  reach(seq: number, timeoutMs: number): Promise<void> {
    if ((this.cursor ?? 0) >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const r = {
        seq,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: (err: Error) => {
          clearTimeout(timer);
          this.reachers = this.reachers.filter((x) => x !== r);
          reject(err);
        },
      };
      const timer = setTimeout(
        () => r.fail(new Error(`jetstream tail did not reach stream seq ${seq} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.reachers.push(r);
    });
  }

  get running(): boolean {
    return this.messages !== undefined || this.starting;
  }

  add(listener: TailListener): () => void {
    const known = this.knownLastSeq();
    const sub: Subscriber = {
      listener,
      after: this.groups === undefined ? known : this.groups.lastSeqOf(known),
    };
    this.subscribers.push(sub);
    return () => {
      const i = this.subscribers.indexOf(sub);
      if (i !== -1) this.subscribers.splice(i, 1);
    };
  }

  get listening(): boolean {
    return this.subscribers.length > 0;
  }

  /**
   * (Re)starts the consumer right after the cursor. The first time, the cursor is the newest seq known
   * durable: every message this node appends from now on gets a higher seq (the server assigns seqs in
   * order and the known one was already assigned), so none is missed and history is not replayed.
   *
   * The journal restarts the tail after every reconnect rather than leaving it to the client's ordered
   * consumer: nats.js 3.4 recreates the consumer after a server restart but keeps the old pull's
   * pending count, so the new consumer pulls a handful of messages and stalls until heartbeats are
   * missed (seconds). Our cursor is the last seq handed to listeners, so a restart has no gap and no
   * duplicate.
   */
  async start(js: JetStreamClient): Promise<void> {
    if (this.starting || this.closed) return;
    this.starting = true;
    this.js = js;
    this.progressAt = performance.now();
    if (this.watchdog === undefined) {
      this.watchdog = setInterval(() => this.checkStall(), STALL_CHECK_MS);
      this.watchdog.unref?.();
    }
    await this.stop();
    this.cursor ??= this.knownLastSeq();
    for (let attempt = 0; !this.closed; attempt++) {
      const startSeq = this.cursor + 1;
      try {
        const consumer = await js.consumers.get(this.o.readStream, { opt_start_seq: startSeq });
        if (this.closed) {
          await consumer.delete().catch(() => {});
          break;
        }
        const messages = await consumer.consume({
          max_messages: 1_000,
          // Missed heartbeats (2 × 1 s) make the consumer check itself and recreate if it is gone, e.g.
          // when the server holding it died while our connection is to another one.
          expires: 10_000,
          idle_heartbeat: 1_000,
          callback: (m) => this.deliver(m),
        });
        this.consumer = consumer;
        this.messages = messages;
        void messages.closed().then((err) => this.ended(js, messages, err ?? undefined));
        void this.watch(js, messages);
        this.log?.info("jetstream tail started", { stream: this.o.readStream, startSeq });
        break;
      } catch (err) {
        this.log?.warn("jetstream tail could not start, retrying", { error: errorText(err), attempt });
        await pause(retryDelay(this.o), this.stopping.signal);
      }
    }
    this.starting = false;
  }

  /** Stops the consumer; listeners stay, so the next `start` serves them. */
  async stop(): Promise<void> {
    const messages = this.messages;
    const consumer = this.consumer;
    this.messages = undefined;
    this.consumer = undefined;
    if (messages === undefined) return;
    await messages.close();
    // Not awaited: the server drops it after its inactivity threshold anyway (e.g. when disconnected).
    consumer?.delete().catch(() => {});
  }

  /** A new incarnation of the stream starts at seq 1: every listener wants all of it. */
  resetPositions(): void {
    this.cursor = 0;
    for (const s of this.subscribers) s.after = 0;
  }

  /**
   * When the client recreates the ordered consumer by itself (a gap, or missed heartbeats because the
   * server holding it died), it keeps the stale pull count described at `start` and stalls: restart it
   * cleanly from our cursor instead.
   */
  private async watch(js: JetStreamClient, messages: ConsumerMessages): Promise<void> {
    for await (const n of messages.status()) {
      if (n.type !== "ordered_consumer_recreated") continue;
      if (this.closed || this.messages !== messages) return;
      this.log?.info("jetstream tail consumer was recreated, restarting it", { after: this.cursor });
      void this.start(js);
      return;
    }
  }

  /** The client gives up on an ordered consumer only after many failed re-creations: start over. */
  private ended(js: JetStreamClient, messages: ConsumerMessages, err: Error | undefined): void {
    if (this.closed || this.messages !== messages) return;
    this.log?.warn("jetstream tail consumer stopped, restarting", { error: err ? errorText(err) : "closed" });
    void this.start(js);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    for (const r of this.reachers.slice()) r.fail(new Error("jetstream journal closed"));
    this.stopping.abort();
    this.subscribers.length = 0;
    await this.stop();
  }

  private deliver(m: JsMsg): void {
    // The cursor is a stream seq: restarts resume after the last whole message delivered.
    this.cursor = m.seq;
    this.progressAt = performance.now();
    this.stallMs = STALL_MS;
    this.sawSeq(m.seq);
    if (this.batch.length === 0) queueMicrotask(() => this.flush());
    if (this.groups === undefined)
      this.batch.push(toStored(m, this.o.subjectPrefix.length + 1, expiresAtOf(m)));
    else for (const s of this.groups.decode(m)) this.batch.push(s);
    if (this.reachers.length > 0) this.wakeReachers();
  }

  /**
   * A consumer that delivers nothing while the journal knows of later seqs (its own acks, stream info)
   * has stalled: restarted from the cursor, after `stallMs`, doubling up to 30 s while it stays stuck.
   * Seen with the stream leader killed under appends (nats-server 2.9.10, nats.js 3; about one run in
   * three of jetstream-cluster.test.ts alone): the client neither recreated the consumer nor reported
   * it, and the tail stopped for good while appends went on.
   */
  private checkStall(): void {
    if (this.closed || this.starting || this.messages === undefined || this.js === undefined) return;
    const now = performance.now();
    if (this.knownLastSeq() <= (this.cursor ?? 0)) {
      this.progressAt = now;
      return;
    }
    if (now - this.progressAt < this.stallMs) return;
    this.log?.warn("jetstream tail stalled, restarting it", {
      after: this.cursor,
      known: this.knownLastSeq(),
      stalledMs: Math.round(now - this.progressAt),
    });
    this.stallMs = Math.min(this.stallMs * 2, 30_000);
    void this.start(this.js);
  }

  private wakeReachers(): void {
    const at = this.cursor ?? 0;
    const ready = this.reachers.filter((r) => r.seq <= at);
    if (ready.length === 0) return;
    this.reachers = this.reachers.filter((r) => r.seq > at);
    for (const r of ready) r.done();
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    const first = batch[0];
    if (first === undefined) return;
    for (const sub of this.subscribers.slice()) {
      let view: readonly StoredMessage[] = batch;
      if (sub.after >= first.seq) {
        const from = batch.findIndex((s) => s.seq > sub.after);
        if (from === -1) continue;
        view = batch.slice(from);
      }
      try {
        sub.listener(view);
      } catch (err) {
        this.log?.warn("jetstream tail listener threw", { error: errorText(err) });
      }
    }
  }
}
