import * as v from "valibot";
import type { FeedPosition, Journal, StoredMessage } from "../journal/journal.ts";
import { CloseCode, ErrorCode, TacError } from "../protocol/errors.ts";
import { frameToJsonText } from "../protocol/json.ts";
import { issuePath, PRIORITIES, type Priority } from "../protocol/message.ts";
import { retryAfterSeconds } from "../resilience/types.ts";
import { GrantSet } from "../security/grants.ts";
import { parseJsonSafe } from "../security/safe-json.ts";
import type { EventBus } from "../server/events.ts";
import { FeedCatalog } from "./catalog.ts";
import { damagedMessage, errorMessage, heartbeatMessage, metadataMessage } from "./control.ts";
import { type DeadlineClock, REAL_CLOCK, scheduleAt } from "./deadline.ts";
import { type ClientOp, ClientOpSchema, type SubscribeOp } from "./ops.ts";
import { RecentMessages } from "./recent.ts";
import { type FanoutCursor, join, replayThenJoin } from "./replay.ts";
import { ReplayBudget } from "./replay-budget.ts";
import { ReplayGate } from "./replay-gate.ts";
import { planResume } from "./resume.ts";
import type { PatternSubscription, SessionState, Subscription } from "./session.ts";
import type { HubSocket, Publisher } from "./socket.ts";
import { feedTopics, HEARTBEAT_TOPIC, topicsFor } from "./topics.ts";

export interface HubOptions {
  journal: Journal;
  heartbeatIntervalMs: number;
  /** Bytes queued for one socket beyond which it is closed with 4008 (slow consumer). */
  backpressureLimit: number;
  opsPerSecond: number;
  /** Bytes of recently fanned-out frames kept in memory to serve resumes without the journal. */
  recentBytes?: number;
  /** Replays running at once on this node; more are refused with UNAVAILABLE and a retryAfter. */
  maxConcurrentReplays?: number;
  /**
   * Per connection: bytes of replay earned per second, and the most it may spend at once. A replay past
   * its budget is paced; a subscribe that needs a replay while the budget is spent gets RATE_LIMITED.
   */
  replayBytesPerSecond?: number;
  replayBurstBytes?: number;
  /** Verifies a token given with a `refresh` op; absent when auth is off. */
  refresh?: (token: string, state: SessionState) => Promise<void>;
  now?: () => number;
  /** Timers for token expiry (tests inject a manual clock). */
  timers?: DeadlineClock;
  onError?: (err: unknown, where: string) => void;
  /** Fan-out batches, session opens/closes and errors sent are reported here (metrics, audit). */
  events?: EventBus;
}

type Ws = HubSocket<SessionState>;
const MAX_FLOOD = 200;
/** Ops are flat objects (a `since` map is two levels): anything deeper is an attack, not an op. */
const MAX_OP_DEPTH = 8;

/**
 * The hub: tails the journal and fans each durable message out with the runtime's native publish —
 * the same frame bytes to every binary subscriber, one JSON text built once per message for every JSON
 * subscriber — and runs each session's ops (subscribe with resume, unsubscribe, ping, refresh).
 */
export class Hub implements FanoutCursor {
  readonly sessions = new Set<Ws>();
  /** Sessions holding at least one pattern subscription: the only ones a new feed concerns. */
  readonly #patternSessions = new Set<Ws>();
  readonly recent: RecentMessages;
  /** Every feed with messages in the journal, kept from the tail (GET /v1/feeds, pattern subscriptions). */
  readonly catalog = new FeedCatalog();
  readonly #replays: ReplayGate;
  #epoch = "";
  #processed = 0;
  /** Messages fanned out in second `#rateSecond` and in the second before it (server-wide msg/s). */
  #rateSecond = 0;
  #rateNow = 0;
  #ratePrev = 0;
  readonly #lastPublished = new Map<string, number>();
  #publisher: Publisher | undefined;
  #untail: (() => void) | undefined;
  #sweep: ReturnType<typeof setInterval> | undefined;
  /** When the last sweep pinged everyone: a peer not heard from since then missed that ping. */
  #lastSweepAt: number | undefined;
  #pressure: ReturnType<typeof setInterval> | undefined;
  readonly #opts: HubOptions;
  readonly #now: () => number;
  readonly #timers: DeadlineClock;

  constructor(opts: HubOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    // Expiry is judged by the hub's clock, the same one every other session decision uses.
    this.#timers = opts.timers ?? { ...REAL_CLOCK, now: this.#now };
    this.recent = new RecentMessages(opts.recentBytes ?? 64 * 1024 * 1024);
    this.#replays = new ReplayGate(opts.maxConcurrentReplays ?? 256);
    this.catalog.onNewFeed((feedId, firstSeq) => this.#newFeed(feedId, firstSeq));
  }

  get processed(): number {
    return this.#processed;
  }

  /** Messages this node fanned out during the last complete second (every feed, every node's appends). */
  rate(now: number = this.#now()): number {
    const sec = Math.floor(now / 1000);
    if (sec === this.#rateSecond) return this.#ratePrev;
    return sec === this.#rateSecond + 1 ? this.#rateNow : 0;
  }

  #countRate(n: number): void {
    const sec = Math.floor(this.#now() / 1000);
    if (sec !== this.#rateSecond) {
      this.#ratePrev = sec === this.#rateSecond + 1 ? this.#rateNow : 0;
      this.#rateNow = 0;
      this.#rateSecond = sec;
    }
    this.#rateNow += n;
  }

  /** The journal's epoch as of the last position the hub read ("" before start). */
  get epoch(): string {
    return this.#epoch;
  }

  lastPublished(feedId: string): number {
    return this.#lastPublished.get(feedId) ?? 0;
  }

  /** Starts tailing; every message already journaled counts as processed (it is served by replay). */
  async start(publisher: Publisher): Promise<void> {
    this.#publisher = publisher;
    // Held from before the tail starts until the seed is in: nothing counted twice, nothing missed.
    this.catalog.beginSeed();
    this.#untail ??= this.#opts.journal.tail((batch) => this.#fanout(batch));
    try {
      this.catalog.seed((await this.#opts.journal.feeds?.()) ?? []);
    } catch (err) {
      this.catalog.abandonSeed();
      throw err;
    }
    const pos = await this.#opts.journal.position("");
    this.#processed = Math.max(this.#processed, pos.last);
    this.#epoch = pos.epoch;
    this.recent.reset(this.#processed);
    this.#sweep = setInterval(() => this.#heartbeat(), this.#opts.heartbeatIntervalMs);
    // Slow consumers are looked for often: a socket's queue can grow by megabytes in a second.
    this.#pressure = setInterval(() => this.checkBackpressure(), 100);
    for (const t of [this.#sweep, this.#pressure]) (t as { unref?: () => void }).unref?.();
  }

  /** Closes every session with `code` (1001 going away, 1012 service restart) and stops tailing. */
  stop(code: number = CloseCode.GoingAway, reason = "server stopping"): void {
    this.#untail?.();
    clearInterval(this.#sweep);
    clearInterval(this.#pressure);
    for (const ws of this.sessions) ws.close(code, reason);
  }

  /** True once `start` completed: fan-out runs and resumes know where the journal stands. */
  get started(): boolean {
    return this.#sweep !== undefined;
  }

  #fanout(batch: readonly StoredMessage[]): void {
    const pub = this.#publisher;
    if (pub === undefined) return;
    for (const m of batch) {
      if (m.seq <= (this.#lastPublished.get(m.feedId) ?? 0)) continue;
      this.#lastPublished.set(m.feedId, m.seq);
      if (m.seq > this.#processed) this.#processed = m.seq;
      this.catalog.observeOne(m);
      const slot = this.recent.add(m);
      const topics = feedTopics(m.feedId);
      const tb = topics.binary[m.priority]!;
      const tj = topics.json[m.priority]!;
      if (m.damaged) {
        // A message this node cannot open (e.g. sealed by a peer under a key it lacks): its subscribers
        // learn of it in its place, as in a replay, so a live client sees the gap too.
        const notice = damagedMessage(m.feedId, m.seq, m.damaged);
        if (pub.subscriberCount(tb) > 0) pub.publish(tb, notice);
        if (pub.subscriberCount(tj) > 0) pub.publish(tj, notice);
        continue;
      }
      if (pub.subscriberCount(tb) > 0) pub.publish(tb, m.frame);
      if (pub.subscriberCount(tj) > 0) {
        pub.publish(tj, this.recent.json(slot, m.frame, frameToJsonText));
      }
    }
    this.#countRate(batch.length);
    const ev = this.#opts.events;
    if (ev?.has("fanout")) ev.emit("fanout", { batch, publishedAt: this.#now() });
  }

  onOpen(ws: Ws): void {
    this.sessions.add(ws);
    const d = ws.data;
    this.#opts.events?.emit("wsOpen", { sessionId: d.id, sub: d.principal.sub, ip: d.ip, format: d.format });
    ws.subscribe(HEARTBEAT_TOPIC);
    this.#armExpiry(ws);
    const init = ws.data.initial;
    if (init !== undefined) {
      const op: SubscribeOp = {
        op: "subscribe",
        id: undefined,
        feeds: init.feeds,
        since: init.since,
        epoch: undefined,
        minPriority: (init.minPriority as Priority | undefined) ?? "low",
      };
      this.#runTask(ws, "open", () => this.#subscribe(ws, op));
    }
  }

  onClose(ws: Ws, code = 1005): void {
    const d = ws.data;
    if (!d.closed)
      this.#opts.events?.emit("wsClose", { sessionId: d.id, sub: d.principal.sub, ip: d.ip, code });
    ws.data.closed = true;
    d.release?.();
    ws.data.cancelExpiry?.();
    ws.data.cancelExpiry = undefined;
    this.sessions.delete(ws);
    this.#patternSessions.delete(ws);
    for (const w of ws.data.drainWaiters.splice(0)) w();
  }

  onDrain(ws: Ws): void {
    for (const w of ws.data.drainWaiters.splice(0)) w();
  }

  onPong(ws: Ws): void {
    ws.data.lastSeen = this.#now();
  }

  onMessage(ws: Ws, message: string | Uint8Array): void {
    const state = ws.data;
    state.lastSeen = this.#now();
    if (!this.#admitOp(ws)) return;
    if (typeof message !== "string") {
      this.#sendError(
        ws,
        new TacError(ErrorCode.BadOp, "ops are JSON text frames; binary frames are not accepted"),
      );
      return;
    }
    let raw: unknown;
    try {
      // The same parser as HTTP bodies: a 400k-deep op is refused before JSON.parse walks it.
      raw = parseJsonSafe(message, { maxDepth: MAX_OP_DEPTH });
    } catch (err) {
      const msg = err instanceof TacError ? err.message : "op is not valid JSON";
      this.#sendError(ws, new TacError(ErrorCode.BadJson, msg));
      return;
    }
    const parsed = v.safeParse(ClientOpSchema, raw);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const id = (raw as { id?: unknown } | null)?.id;
      const rid = typeof id === "string" || typeof id === "number" ? id : undefined;
      const unknownOp =
        issue.path?.[0]?.key === "op" || (issue.kind === "schema" && issue.type === "variant");
      const code = unknownOp && !issue.path?.[1] ? ErrorCode.UnknownOp : ErrorCode.BadOp;
      this.#sendError(ws, new TacError(code, issue.message, { path: issuePath(issue) }), rid);
      return;
    }
    this.#runTask(ws, "op", () => this.#run(ws, parsed.output), parsed.output.id);
  }

  /**
   * Every async path started by a socket event runs here, so no rejection escapes to the process (an
   * unhandled one exits the node): a TacError reaches the client as is, anything else is logged with the
   * session id and the client gets INTERNAL.
   */
  #runTask(ws: Ws, where: string, fn: () => Promise<void>, requestId?: string | number): void {
    let p: Promise<void>;
    try {
      p = fn();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch((err: unknown) => {
      const e =
        err instanceof TacError ? err : new TacError(ErrorCode.Internal, "internal error", { cause: err });
      if (!(err instanceof TacError)) this.#opts.onError?.(err, `${where} session=${ws.data.id}`);
      try {
        if (!ws.data.closed) this.#sendError(ws, e, requestId);
      } catch (sendErr) {
        this.#opts.onError?.(sendErr, `${where} session=${ws.data.id}`);
      }
    });
  }

  async #run(ws: Ws, op: ClientOp): Promise<void> {
    switch (op.op) {
      case "subscribe":
        return this.#subscribe(ws, op);
      case "unsubscribe":
        for (const feed of op.feeds) {
          if (feed.includes("*")) this.#leavePattern(ws, feed);
          else this.#leave(ws, feed);
        }
        ws.send(metadataMessage("unsubscribe", { feeds: op.feeds }, op.id));
        return;
      case "ping":
        ws.send(metadataMessage("pong", { ts: this.#now() }, op.id));
        return;
      case "refresh": {
        if (this.#opts.refresh === undefined) {
          ws.send(metadataMessage("refresh", { auth: "disabled" }, op.id));
          return;
        }
        await this.#opts.refresh(op.token, ws.data);
        if (ws.data.closed) return;
        this.#armExpiry(ws);
        const revoked = this.#revoke(ws, op.id);
        const exp = ws.data.principal.exp;
        ws.send(metadataMessage("refresh", revoked.length > 0 ? { exp, revoked } : { exp }, op.id));
        return;
      }
    }
  }

  async #subscribe(ws: Ws, op: SubscribeOp): Promise<void> {
    const state = ws.data;
    const minPriority = PRIORITIES.indexOf(op.minPriority);
    const replies: Record<string, unknown> = {};
    const replays: Array<[string, number, Subscription]> = [];
    const { feeds, via, patterns } = this.#expand(ws, op, minPriority);
    for (const feedId of feeds) {
      const pattern = via.get(feedId);
      if (pattern === undefined && !state.principal.canSubscribe(feedId)) {
        this.#denied(ws, feedId);
        this.#sendError(
          ws,
          new TacError(ErrorCode.Forbidden, `not allowed to subscribe to ${feedId}`, { feedId }),
          op.id,
        );
        continue;
      }
      this.#leave(ws, feedId);
      const sub: Subscription =
        pattern === undefined ? { minPriority, live: false } : { minPriority, live: false, via: pattern };
      state.subs.set(feedId, sub);
      const since = typeof op.since === "number" ? op.since : op.since?.[feedId];
      const epoch = typeof op.epoch === "string" ? op.epoch : op.epoch?.[feedId];
      const pos = this.#knownPosition(feedId, since, epoch) ?? (await this.#position(feedId));
      if (state.closed || state.subs.get(feedId) !== sub) continue;
      const plan = planResume(since, epoch, pos);
      const reply: Record<string, unknown> = {
        epoch: pos.epoch,
        head: pos.head,
        last: pos.last,
        recovered: plan.kind === "replay",
      };
      if (plan.kind === "replay") replays.push([feedId, plan.since, sub]);
      else {
        if (plan.kind === "lost") {
          reply.earliest = plan.earliest;
          if (plan.beyondHead) {
            const msg = `since ${since} is beyond the journal head ${pos.last}`;
            this.#sendError(ws, new TacError(ErrorCode.SinceBeyondHead, msg, { feedId }), op.id);
          }
        }
        join(ws, feedId, sub);
      }
      replies[feedId] = reply;
    }
    if (state.closed) return;
    const fields: Record<string, unknown> = { feeds: replies };
    if (patterns.size > 0) fields.patterns = Object.fromEntries(patterns);
    ws.send(metadataMessage("subscribe", fields, op.id));
    const budget = this.#budgetOf(state);
    // Judged once for the whole op: its feeds share what is left, paced, rather than the first one
    // spending it and the others being refused.
    const spent = budget !== undefined && budget.available() <= 0;
    await Promise.all(
      replays.map(([feedId, since, sub]) => {
        const release = spent ? undefined : this.#replays.tryEnter();
        const run = spent
          ? Promise.reject(
              new TacError(
                ErrorCode.RateLimited,
                "replay budget of this connection spent; subscribe again later",
                {
                  retryAfter: retryAfterSeconds(budget.retryAfterMs()),
                },
              ),
            )
          : release === undefined
            ? Promise.reject(TacError.unavailable("too many replays on this node; subscribe again later", 1))
            : replayThenJoin(
                ws,
                this.#opts.journal,
                this,
                feedId,
                since,
                sub,
                this.#opts.backpressureLimit,
                this.#now,
                budget,
              ).finally(release);
        return run.catch((err: unknown) => {
          // A replay that cannot finish leaves no half-subscription behind: the client is told, per
          // feed, and subscribes again with the same `since` when it retries.
          if (state.subs.get(feedId) === sub) this.#leave(ws, feedId);
          const e =
            err instanceof TacError
              ? new TacError(err.code, err.message, {
                  feedId,
                  ...(err.retryAfter === undefined ? {} : { retryAfter: err.retryAfter }),
                })
              : new TacError(ErrorCode.Internal, "replay failed", { feedId, cause: err });
          if (!(err instanceof TacError)) this.#opts.onError?.(err, "replay");
          if (!state.closed) this.#sendError(ws, e, op.id);
        });
      }),
    );
  }

  /** The connection's replay budget, made on its first replay (none when the hub has no budget set). */
  #budgetOf(state: SessionState): ReplayBudget | undefined {
    const rate = this.#opts.replayBytesPerSecond;
    if (rate === undefined) return undefined;
    state.replayBudget ??= new ReplayBudget(rate, this.#opts.replayBurstBytes ?? rate * 4, this.#timers);
    return state.replayBudget;
  }

  /**
   * The feeds an op names, with its patterns expanded: a pattern (grant grammar: `*`, `<feed>.*`) adds
   * every catalog feed it matches that the principal may read and the session does not already hold,
   * and is kept so that feeds appearing later join too (`#newFeed`). A pattern the grammar refuses is
   * answered with BAD_PATTERN and adds nothing.
   */
  #expand(
    ws: Ws,
    op: SubscribeOp,
    minPriority: number,
  ): { feeds: string[]; via: Map<string, string>; patterns: Map<string, string[]> } {
    const state = ws.data;
    const feeds: string[] = [];
    const via = new Map<string, string>();
    const patterns = new Map<string, string[]>();
    const named = new Set(op.feeds.filter((f) => !f.includes("*")));
    for (const [i, entry] of op.feeds.entries()) {
      if (!entry.includes("*")) {
        feeds.push(entry);
        continue;
      }
      let grammar: GrantSet;
      try {
        grammar = GrantSet.compile([entry]);
      } catch {
        const msg = `pattern ${JSON.stringify(entry)} must be "*" or "<feed>.*"`;
        this.#sendError(ws, new TacError(ErrorCode.BadPattern, msg, { path: `feeds[${i}]` }), op.id);
        continue;
      }
      const ps: PatternSubscription = { matches: (id) => grammar.allows(id), minPriority };
      state.patterns.set(entry, ps);
      this.#patternSessions.add(ws);
      const joined: string[] = [];
      for (const id of this.catalog.ids()) {
        if (!ps.matches(id) || !state.principal.canSubscribe(id) || named.has(id) || via.has(id)) continue;
        // Already held (named, or by another pattern): left as it is, no second replay.
        if (state.subs.has(id)) continue;
        via.set(id, entry);
        feeds.push(id);
        joined.push(id);
      }
      patterns.set(entry, joined);
    }
    return { feeds, via, patterns };
  }

  /**
   * A feed's first message is about to be fanned out: every session with a matching pattern whose
   * principal may read the feed joins its topics now, in the same synchronous step, so the native
   * publish that follows reaches it — no replay, no per-message check. The session is told first.
   */
  #newFeed(feedId: string, firstSeq: number): void {
    for (const ws of this.#patternSessions) {
      const state = ws.data;
      if (state.closed || state.subs.has(feedId) || !state.principal.canSubscribe(feedId)) continue;
      for (const [pattern, ps] of state.patterns) {
        if (!ps.matches(feedId)) continue;
        const sub: Subscription = { minPriority: ps.minPriority, live: false, via: pattern };
        state.subs.set(feedId, sub);
        const reply = { epoch: this.#epoch, head: 0, last: firstSeq - 1, recovered: false };
        ws.send(metadataMessage("subscribe", { feeds: { [feedId]: reply }, pattern }));
        join(ws, feedId, sub);
        break;
      }
    }
  }

  /** Drops a pattern and every feed it brought in (feeds named on their own stay). */
  #leavePattern(ws: Ws, pattern: string): void {
    const state = ws.data;
    if (!state.patterns.delete(pattern)) return;
    for (const [feedId, sub] of [...state.subs]) if (sub.via === pattern) this.#leave(ws, feedId);
    if (state.patterns.size === 0) this.#patternSessions.delete(ws);
  }

  /**
   * The position a resume needs, from memory, when the hub can vouch for it: the client's `since` is
   * inside the recent-message cache of this epoch, and the feed was active since this node started.
   * Failover storms — every client of a dead node resuming here at once — then cost no journal call.
   */
  #knownPosition(
    feedId: string,
    since: number | undefined,
    epoch: string | undefined,
  ): FeedPosition | undefined {
    if (since === undefined || since < this.recent.floor || since > this.#processed) return undefined;
    if (epoch !== undefined && epoch !== this.#epoch) return undefined;
    const head = this.lastPublished(feedId);
    if (head === 0) return undefined;
    return { epoch: this.#epoch, head, first: this.recent.floor + 1, last: this.#processed };
  }

  async #position(feedId: string): Promise<FeedPosition> {
    const pos = await this.#opts.journal.position(feedId);
    if (pos.epoch !== this.#epoch && this.#epoch !== "") {
      // The journal was recreated under us: cached messages belong to a history that no longer exists.
      this.#epoch = pos.epoch;
      this.recent.reset(this.#processed);
    }
    return pos;
  }

  /**
   * A refresh may narrow the grants: every feed the new principal no longer grants is left (a running
   * replay sees its subscription gone and stops) and reported per feed as FORBIDDEN.
   */
  #revoke(ws: Ws, requestId?: string | number): string[] {
    const revoked: string[] = [];
    for (const feedId of [...ws.data.subs.keys()]) {
      if (ws.data.principal.canSubscribe(feedId)) continue;
      this.#leave(ws, feedId);
      revoked.push(feedId);
      this.#denied(ws, feedId);
      const msg = `no longer allowed to subscribe to ${feedId}`;
      this.#sendError(ws, new TacError(ErrorCode.Forbidden, msg, { feedId }), requestId);
    }
    return revoked;
  }

  #denied(ws: Ws, feedId: string): void {
    const d = ws.data;
    this.#opts.events?.emit("accessDenied", { sub: d.principal.sub, ip: d.ip, feedId, route: "/v1/stream" });
  }

  #sendError(ws: Ws, err: TacError, requestId?: string | number): void {
    ws.send(errorMessage(err, requestId));
    this.#opts.events?.emit("wsError", { code: err.code });
  }

  #leave(ws: Ws, feedId: string): void {
    const sub = ws.data.subs.get(feedId);
    if (sub === undefined) return;
    ws.data.subs.delete(feedId);
    if (sub.live) for (const t of topicsFor(feedId, ws.data.format, sub.minPriority)) ws.unsubscribe(t);
  }

  /** Token bucket per session; a client that keeps flooding after being told is disconnected. */
  #admitOp(ws: Ws): boolean {
    const s = ws.data;
    const rate = this.#opts.opsPerSecond;
    const now = this.#now();
    const elapsed = now - s.opRefillAt;
    if (elapsed > 0) {
      s.opTokens = Math.min(rate * 2, s.opTokens + (elapsed * rate) / 1000);
      s.opRefillAt = now;
      if (elapsed >= 1000) s.opRejected = 0;
    }
    if (s.opTokens >= 1) {
      s.opTokens -= 1;
      return true;
    }
    s.opRejected++;
    if (s.opRejected === 1) {
      this.#sendError(ws, new TacError(ErrorCode.RateLimited, `more than ${rate} ops/s`, { retryAfter: 1 }));
    } else if (s.opRejected > MAX_FLOOD) {
      ws.close(CloseCode.RateLimited, "op flood");
    }
    return false;
  }

  /** (Re)arms the close at the principal's `exp`; the previous timer is always cleared first. */
  #armExpiry(ws: Ws): void {
    const state = ws.data;
    state.cancelExpiry?.();
    state.cancelExpiry = undefined;
    const exp = state.principal.exp;
    if (exp === undefined) return;
    state.cancelExpiry = scheduleAt(
      exp,
      () => {
        if (state.closed) return;
        this.#sendError(ws, new TacError(ErrorCode.Unauthorized, "token expired; send a refresh op in time"));
        ws.close(CloseCode.TokenExpired, "token expired");
      },
      this.#timers,
    );
  }

  /**
   * One timer for all sessions: heartbeats everyone with one publish, pings at the protocol level,
   * drops peers silent for two intervals, and closes sockets whose send queue passed the limit.
   */
  #heartbeat(): void {
    const now = this.#now();
    this.#publisher?.publish(HEARTBEAT_TOPIC, heartbeatMessage(now));
    // Silent since the previous sweep's ping, a whole interval to answer it: dropped now, at most two
    // intervals after it was last heard (a deadline of now - 2 intervals, checked once per interval,
    // let a peer stay up to three).
    const deadline = this.#lastSweepAt ?? now - this.#opts.heartbeatIntervalMs;
    this.#lastSweepAt = now;
    for (const ws of this.sessions) {
      if (ws.data.lastSeen < deadline) ws.close(CloseCode.HeartbeatTimeout, "no pong");
      else ws.ping();
    }
  }

  /** Closes slow consumers (4008); they resume from their last seq. Called by the sweep and by the runtime. */
  checkBackpressure(): void {
    const limit = this.#opts.backpressureLimit;
    for (const ws of this.sessions) {
      if (ws.getBufferedAmount() > limit) ws.close(CloseCode.SlowConsumer, "slow consumer");
    }
  }
}
