import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type PubAck,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import * as v from "valibot";
import { TacError } from "../../protocol/errors.ts";
import { frameTimestamp, Offset } from "../../protocol/frame.ts";
import { FeedIdSchema } from "../../protocol/message.ts";
import type {
  AppendEntry,
  FeedPosition,
  FeedSummary,
  Journal,
  JournalStatus,
  StoredMessage,
  TailListener,
} from "../journal.ts";
import { errorText, NatsLink, pause, retryDelay } from "./connection.ts";
import { GROUP_BITS, groupBacklog, lastSeqOfGroup, packSeq } from "./group.ts";
import { GroupWriter } from "./group-writer.ts";
import { framesOf, publishHeaders, storedGroup } from "./message.ts";
import { type JetStreamJournalOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { replay, replayGroups } from "./replay.ts";
import { ensureMirror, ensureStream, epochOf, StreamSubjectsTaken } from "./stream.ts";
import { Tail } from "./tail.ts";

interface Clients {
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/**
 * The journal on NATS JetStream: one file-backed stream (`<prefix>.>`), one subject per feed, the
 * stream sequence as `seq`, `Nats-Msg-Id` = message id for de-duplication. docs/jetstream.md says what
 * an acknowledgement guarantees and what it does not.
 */
export class JetStreamJournal implements Journal {
  readonly kind = "jetstream" as const;
  private readonly o: ResolvedOptions;
  private readonly link: NatsLink;
  private readonly live: Tail;
  private clients: Clients | undefined;
  private streamReady = false;
  private streamReason = "jetstream: checking the stream";
  private epoch = "";
  /** The highest seq known durable: from acks, stream info and tail deliveries. */
  private lastSeq = 0;
  /** Bumped on every (re)connect so a stale ensure loop stops. */
  private generation = 0;
  private firstEnsure: Promise<void> | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  private readonly stopping = new AbortController();
  private readonly retryAfter: number;
  /** Appends awaiting acks: failed at once when the connection drops, not after the ack timeout. */
  private readonly inflight = new Set<(err: TacError) => void>();
  /** Group commit (`groupCommit`): the writer that batches appends per feed and turn. */
  private readonly groups: GroupWriter | undefined;

  constructor(options: JetStreamJournalOptions) {
    this.o = resolveOptions(options);
    this.retryAfter = Math.max(1, Math.ceil((this.o.reconnectTimeWaitMs + this.o.reconnectJitterMs) / 1000));
    const prefixLength = this.o.subjectPrefix.length + 1;
    if (this.o.groupCommit) {
      this.groups = new GroupWriter(
        this.o,
        () => ({ js: this.usable().js, maxPayload: this.link.nc?.info?.max_payload ?? 1024 * 1024 }),
        (seq) => this.saw(seq),
        (err) => this.unavailable("append", err),
        () => this.settle(),
      );
    }
    if (this.groups !== undefined) this.backlog = groupBacklog;
    const window = this.groups?.window;
    this.live = new Tail(
      this.o,
      this.o.logger,
      () => this.lastSeq,
      (seq) => this.saw(seq),
      window === undefined
        ? undefined
        : {
            decode: (m) => {
              const stored = storedGroup(m, prefixLength);
              // Every node's appends pass here: a retry reaching this node finds their ids.
              const now = this.o.now();
              // A group is one feed's: its tag is looked up once.
              let feed = "";
              let tag: Int32Array | undefined;
              for (const s of stored) {
                if (s.damaged !== undefined) continue;
                if (tag === undefined || s.feedId !== feed) {
                  feed = s.feedId;
                  tag = window.tag(feed);
                }
                window.add(s.frame, Offset.id, tag, s.seq, now, true);
              }
              return stored;
            },
            lastSeqOf: lastSeqOfGroup,
          },
    );
    this.link = new NatsLink(this.o, {
      connected: (nc) => this.onConnected(nc),
      disconnected: (reason) => {
        this.streamReady = false;
        this.o.logger?.warn("jetstream journal unavailable", { reason });
        // Their acks may never come; the client retries with the same ids, stored once.
        for (const abort of this.inflight) abort(TacError.unavailable(reason, this.retryAfter));
        this.inflight.clear();
        this.groups?.abortAll(TacError.unavailable(reason, this.retryAfter));
      },
    });
  }

  /**
   * Connects and checks (creates, updates) the stream. Resolves after the first attempt, whatever its
   * outcome: when NATS is unreachable, `status()` says why and the journal keeps trying in the
   * background, becoming ready when NATS appears.
   */
  open(): Promise<void> {
    this.opening ??= (async () => {
      await this.link.start();
      if (this.firstEnsure !== undefined) await this.firstEnsure;
    })();
    return this.opening;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    this.stopping.abort();
    await this.live.close();
    await this.link.close();
  }

  /**
   * The node's one NATS connection, for the other parts of the node that talk to NATS (the feed lease):
   * one connection, one set of credentials. Undefined while it is not connected, so they fail fast (a
   * lease holder that lost NATS must stop polling at once) rather than wait out a request timeout.
   */
  get connection(): NatsConnection | undefined {
    return this.closed || !this.link.connected ? undefined : this.link.nc;
  }

  status(): JournalStatus {
    if (this.closed) return { ready: false, reason: "journal closed" };
    if (!this.link.connected) return { ready: false, reason: this.link.reason };
    if (!this.streamReady) return { ready: false, reason: this.streamReason };
    return { ready: true };
  }

  /**
   * Publishes every entry without waiting for the previous ack, then awaits all acks. Not atomic:
   * when it rejects, some entries may be stored; a retry with the same ids stores each once.
   */
  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    if (entries.length === 0) return [];
    let checked: string | undefined;
    for (const e of entries) {
      // A batch usually holds one feed: validate each distinct run once.
      if (e.feedId !== checked) assertFeedId(e.feedId);
      checked = e.feedId;
    }
    const { js } = this.usable();
    if (this.groups !== undefined) return this.groups.append(entries);
    const prefix = `${this.o.subjectPrefix}.`;
    const acks: Promise<PubAck>[] = new Array(entries.length);
    // The same id twice in one batch is published once; both entries get its seq.
    const firstIndex = entries.length > 1 ? new Map<string, number>() : undefined;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      // Scoped by feed: an id chosen by a publisher of one feed never matches another feed's message,
      // so it can neither suppress it nor learn its seq from the answer.
      const msgID = `${e.feedId}/${e.id}`;
      const earlier = firstIndex?.get(msgID);
      if (earlier !== undefined) {
        acks[i] = acks[earlier]!;
        continue;
      }
      firstIndex?.set(msgID, i);
      const h = publishHeaders(e);
      acks[i] = js.publish(
        prefix + e.feedId,
        e.frame,
        h === undefined
          ? { msgID, timeout: this.o.requestTimeoutMs }
          : { msgID, headers: h, timeout: this.o.requestTimeoutMs },
      );
    }
    let results: PubAck[];
    let abort: (err: TacError) => void = () => {};
    const aborted = new Promise<never>((_, reject) => {
      abort = reject;
    });
    this.inflight.add(abort);
    try {
      results = await Promise.race([Promise.all(acks), aborted]);
    } catch (err) {
      throw this.unavailable("append", err);
    } finally {
      this.inflight.delete(abort);
    }
    const seqs = new Array<number>(results.length);
    for (let i = 0; i < results.length; i++) {
      seqs[i] = results[i]!.seq;
      this.saw(seqs[i]!);
    }
    return seqs;
  }

  async read(feedId: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    assertFeedId(feedId);
    assertCount("afterSeq", afterSeq);
    assertCount("limit", limit);
    if (limit === 0) return [];
    const { js, jsm } = this.usable();
    try {
      return this.groups === undefined
        ? await replay(js, jsm, this.o, feedId, afterSeq, limit)
        : await replayGroups(js, jsm, this.o, feedId, afterSeq, limit);
    } catch (err) {
      throw this.unavailable("read", err);
    }
  }

  async position(feedId: string): Promise<FeedPosition> {
    // "" asks for the whole journal (Journal.position): no per-subject lookup then.
    if (feedId !== "") assertFeedId(feedId);
    const { jsm } = this.usable();
    try {
      const [info, newest] = await Promise.all([
        jsm.streams.info(this.o.readStream),
        feedId === ""
          ? undefined
          : jsm.streams.getMessage(this.o.readStream, { last_by_subj: `${this.o.subjectPrefix}.${feedId}` }),
      ]);
      // A mirror has a `created` of its own: in a region the epoch is the primary stream's, taken on
      // every (re)connect, so that a client moving between regions keeps its position.
      if (this.o.mirror === undefined) this.adopt(info.created, info.state.last_seq);
      else this.saw(info.state.last_seq);
      if (this.groups !== undefined) return await this.groupPosition(jsm, info.state, newest ?? undefined);
      const head = newest?.seq ?? 0;
      return {
        epoch: this.epoch,
        head,
        first: Math.max(1, info.state.first_seq),
        // The two requests are not one snapshot: an append may land between them.
        last: Math.max(info.state.last_seq, head),
      };
    } catch (err) {
      throw this.unavailable("position", err);
    }
  }

  /**
   * Per-subject counts from one stream-info request (`subjects_filter`), then each feed's newest message
   * by subject for its seq and time: a request per feed, made once when the hub starts.
   */
  async feeds(): Promise<FeedSummary[]> {
    const { jsm } = this.usable();
    const prefix = `${this.o.subjectPrefix}.`;
    try {
      const info = await jsm.streams.info(this.o.readStream, { subjects_filter: `${prefix}>` });
      const counts = Object.entries(info.state.subjects ?? {}).filter(
        ([s, n]) => s.startsWith(prefix) && n > 0,
      );
      const out: FeedSummary[] = [];
      for (let i = 0; i < counts.length; i += 32) {
        const chunk = counts.slice(i, i + 32);
        const newest = await Promise.all(
          chunk.map(([subject]) => jsm.streams.getMessage(this.o.readStream, { last_by_subj: subject })),
        );
        chunk.forEach(([subject, count], k) => {
          const m = newest[k];
          if (m === null || m === undefined) return;
          out.push({
            feedId: subject.slice(prefix.length),
            // Group commit: JetStream counts groups, not frames (docs/jetstream.md).
            count,
            head: this.groups === undefined ? m.seq : packSeq(m.seq, framesOf(m.header) - 1),
            newestAt: frameTimestamp(m.data),
          });
        });
      }
      return out;
    } catch (err) {
      throw this.unavailable("feeds", err);
    }
  }

  /**
   * Group commit only (see `Journal.backlog`): the frames of `toSeq`'s group up to it, plus one per group
   * in between and the rest of `fromSeq`'s own group counted as nothing — a lower bound, since group
   * sizes are not known without reading them.
   */
  backlog?: (fromSeq: number, toSeq: number) => number = undefined;

  tail(listener: TailListener): () => void {
    const unsubscribe = this.live.add(listener);
    if (this.clients !== undefined && this.streamReady && !this.live.running)
      void this.live.start(this.clients.js);
    return unsubscribe;
  }

  private usable(): Clients {
    const s = this.status();
    if (!s.ready || this.clients === undefined) {
      throw TacError.unavailable(s.reason ?? "jetstream journal not ready", this.retryAfter);
    }
    return this.clients;
  }

  private unavailable(op: string, err: unknown): TacError {
    if (err instanceof TacError) return err;
    // No responders on a stream subject: the stream is gone (deleted, or a server lost its store).
    if (err instanceof Error && err.name === "JetStreamNotEnabled" && this.streamReady) {
      this.streamReady = false;
      this.streamReason = `jetstream: stream ${this.o.stream} not found`;
      const nc = this.link.nc;
      if (nc !== undefined) this.onConnected(nc);
    }
    return TacError.unavailable(`jetstream ${op} failed: ${errorText(err)}`, this.retryAfter, err);
  }

  /**
   * Group commit: `head` and `last` are the last frame of their group, `first` the first frame of the
   * oldest group. `last` needs the stream's newest message for its frame count: one more request unless
   * it is the feed's own newest.
   */
  private async groupPosition(
    jsm: JetStreamManager,
    state: { first_seq: number; last_seq: number },
    newest: { seq: number; header: { get(k: string): string } } | undefined,
  ): Promise<FeedPosition> {
    const head = newest === undefined ? 0 : packSeq(newest.seq, framesOf(newest.header) - 1);
    let last = 0;
    if (state.last_seq > 0) {
      if (newest?.seq === state.last_seq) last = head;
      else {
        const m = await jsm.streams.getMessage(this.o.readStream, { seq: state.last_seq }).catch(() => null);
        // Removed meanwhile (retention): its first frame is a seq it certainly had.
        last = packSeq(state.last_seq, m === null || m === undefined ? 0 : framesOf(m.header) - 1);
      }
    }
    return {
      epoch: this.epoch,
      head,
      first: packSeq(Math.max(1, state.first_seq), 0),
      last: Math.max(last, head),
    };
  }

  /**
   * Group commit, before deciding an append that retries ids of a failed one: waits until the tail has
   * delivered every message the stream holds now, so that the window has seen them if JetStream stored
   * them after all. With a mirror, the mirror's holdings (what this region can see). Without a tail
   * (no listener) nothing feeds the window: the append goes ahead (docs/jetstream.md).
   */
  private async settle(): Promise<void> {
    const { jsm } = this.usable();
    const info = await jsm.streams.info(this.o.readStream);
    this.saw(info.state.last_seq);
    if (this.live.listening) await this.live.reach(info.state.last_seq, this.o.requestTimeoutMs);
  }

  private saw(seq: number): void {
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  /** Takes the stream's identity; a new `created` means the stream was recreated: a new epoch. */
  private adopt(created: string, lastSeq: number): void {
    // Group commit derives seqs differently: positions held from the other mode are void.
    const epoch = this.groups === undefined ? epochOf(created) : `${epochOf(created)}-g${GROUP_BITS}`;
    if (this.epoch !== "" && epoch !== this.epoch) {
      this.o.logger?.warn("jetstream stream was recreated: new epoch", { from: this.epoch, to: epoch });
      this.lastSeq = 0;
      this.groups?.window.clear();
      this.live.resetPositions();
      if (this.clients !== undefined && this.live.listening) void this.live.start(this.clients.js);
    }
    this.epoch = epoch;
    this.saw(lastSeq);
  }

  /** On connect and every reconnect: make sure the stream exists and matches the config, then serve. */
  private onConnected(nc: NatsConnection): void {
    const generation = ++this.generation;
    this.streamReady = false;
    let attempted: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      attempted = resolve;
    });
    this.firstEnsure ??= first;
    void (async () => {
      while (!this.closed && generation === this.generation) {
        try {
          const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: this.o.requestTimeoutMs });
          // In a region the stream (and so the epoch) is the primary's, reached through its domain.
          const primary =
            this.o.mirror === undefined
              ? jsm
              : await jetstreamManager(nc, {
                  checkAPI: false,
                  timeout: this.o.requestTimeoutMs,
                  domain: this.o.mirror.primaryDomain,
                });
          const info = await ensureStream(primary, this.o, this.o.logger);
          if (this.o.mirror !== undefined) await ensureMirror(jsm, this.o, this.o.logger);
          if (generation !== this.generation) break;
          this.clients = { js: jetstream(nc, { timeout: this.o.requestTimeoutMs }), jsm };
          this.adopt(info.created, info.state.last_seq);
          this.streamReady = true;
          this.streamReason = "jetstream: checking the stream";
          this.o.logger?.info("jetstream journal ready", { stream: this.o.stream, epoch: this.epoch });
          if (this.live.listening) void this.live.start(this.clients.js);
          break;
        } catch (err) {
          const reason =
            err instanceof StreamSubjectsTaken
              ? `jetstream: ${err.message}`
              : `jetstream: stream ${this.o.stream}: ${errorText(err)}`;
          // One line per new reason: a stream that cannot be created is retried every few seconds, and
          // the same warning each time would bury everything else.
          if (reason !== this.streamReason)
            this.o.logger?.warn("jetstream journal not ready", { reason, stream: this.o.stream });
          this.streamReason = reason;
          attempted();
          await pause(retryDelay(this.o), this.stopping.signal);
        }
      }
      attempted();
    })();
  }
}

function assertFeedId(feedId: string): void {
  // Feed ids become subject tokens: a wildcard or a space would address other feeds.
  if (!v.is(FeedIdSchema, feedId))
    throw TacError.validation(`invalid feed id ${JSON.stringify(feedId)}`, "feedId");
}

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw TacError.validation(`${name} must be a non-negative integer`, name);
}
