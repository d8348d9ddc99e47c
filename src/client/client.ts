import { ErrorCode, TacError } from "../protocol/errors.ts";
import { PRIORITIES, type Priority } from "../protocol/frame.ts";
import type { StreamMessage, ThreatMessage } from "../protocol/message.ts";
import { backoff } from "./backoff.ts";
import { Emitter } from "./emitter.ts";
import { PROTOCOLS, placeToken, redactUrl, streamUrl } from "./endpoint.ts";
import { nextAttempt } from "./failover.ts";
import { messageIterator } from "./iterator.ts";
import { type ConnectOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { FEED_ID_RE, type GapEvent, type HandlerEntry, patternMatcher, Registry } from "./registry.ts";
import { initialState, reduce, type StateEvent, type StreamConnection } from "./state.ts";
import { openTransport, type Transport } from "./transport.ts";
import { Watchdog } from "./watchdog.ts";
import { type Control, decodeIncoming, type FeedReply } from "./wire.ts";

export interface SubscribedEvent extends FeedReply {
  feedId: string;
}

export interface ClientEvents {
  state: StreamConnection;
  error: TacError;
  /** Every delivered feed message, whatever the feed. */
  message: StreamMessage;
  gap: GapEvent;
  subscribed: SubscribedEvent;
}

export interface SubscribeOptions {
  /** Deliver only this priority and above (default `low`: everything). */
  minPriority?: Priority;
  /** Resume a feed from a position saved earlier (`client.position(feedId)`). */
  from?: { seq: number; epoch: string };
  /**
   * With a pattern: where to resume each feed it covers (positions saved earlier, or chosen to backfill
   * recent history); feeds not listed join live.
   */
  positions?: Record<string, { seq: number; epoch: string }>;
}
let clientCount = 0;

/**
 * A tacstream subscriber: one WebSocket, any number of feeds, reconnecting with jittered backoff and
 * resuming every feed from its last seq and epoch, so a handler sees each message at most once, in order,
 * and hears about any history the server could not replay (`gap`).
 */
export class TacstreamClient {
  readonly #o: ResolvedOptions;
  readonly #registry: Registry;
  readonly #events: Emitter<ClientEvents>;
  readonly #watchdog: Watchdog;
  /** Abandons an attempt that neither opens nor fails: a region that went away often drops packets. */
  readonly #connectWatch: Watchdog;
  readonly #ends = new Set<() => void>();
  #state: StreamConnection;
  #transport: Transport | undefined;
  #timer: unknown;
  /** The URL in use: kept while it works, moved on by `#lost`. */
  #urlIndex = 0;
  /**
   * Consecutive failures for the URL rotation. Unlike `reconnectAttempts` it survives an open that the
   * server closes before sending anything, so a node that accepts and drops at once is backed off from
   * instead of being hopped to and from without a pause.
   */
  #failures = 0;
  #generation = 0;
  #closed = false;

  constructor(options: ConnectOptions) {
    this.#o = resolveOptions(options);
    this.#events = new Emitter((err) => this.#error(err, "an event listener threw"));
    this.#registry = new Registry({ partial: this.#o.onGap === "partial" });
    this.#watchdog = new Watchdog(
      this.#o.heartbeatTimeoutMs,
      () => this.#drop(4000, "heartbeat timeout"),
      this.#o.timers,
    );
    this.#connectWatch = new Watchdog(
      this.#o.connectTimeoutMs,
      () => this.#drop(4000, "connect timeout"),
      this.#o.timers,
    );
    this.#state = initialState(`c${++clientCount}`, "", this.#o.maxReconnectAttempts);
    void this.#open();
  }

  get state(): StreamConnection {
    return this.#state;
  }

  /**
   * Calls `handler` for every message of `feedId`; returns the function that unsubscribes it. A pattern
   * (`"*"`, `"intel.*"`: the grant grammar) covers every feed it matches that the token may read,
   * including feeds created later; each of them resumes on its own across reconnects.
   */
  subscribe<M extends StreamMessage = ThreatMessage>(
    feedId: string,
    handler: (message: M) => void,
    options: SubscribeOptions = {},
  ): () => void {
    if (typeof feedId === "string" && feedId.includes("*"))
      return this.#subscribePattern(feedId, handler, options);
    if (typeof feedId !== "string" || !FEED_ID_RE.test(feedId) || /\.\.|\.$/.test(feedId)) {
      throw new TacError(ErrorCode.Validation, `invalid feed id ${JSON.stringify(feedId)}`, {
        path: "feedId",
      });
    }
    const rank = PRIORITIES.indexOf(options.minPriority ?? "low");
    if (rank < 0) throw new TacError(ErrorCode.Validation, "invalid minPriority", { path: "minPriority" });
    const entry: HandlerEntry = { fn: handler as (m: never) => void, rank };
    if (this.#registry.add(feedId, entry, options.from)) this.#subscribeNow([feedId]);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      if (this.#registry.remove(feedId, entry)) this.#send({ op: "unsubscribe", feeds: [feedId] });
    };
  }

  #subscribePattern<M extends StreamMessage>(
    pattern: string,
    handler: (message: M) => void,
    options: SubscribeOptions,
  ): () => void {
    const matches = patternMatcher(pattern);
    if (matches === undefined) {
      throw new TacError(
        ErrorCode.BadPattern,
        `pattern ${JSON.stringify(pattern)} must be "*" or "<feed>.*"`,
        {
          path: "feedId",
        },
      );
    }
    const rank = PRIORITIES.indexOf(options.minPriority ?? "low");
    if (rank < 0) throw new TacError(ErrorCode.Validation, "invalid minPriority", { path: "minPriority" });
    const entry: HandlerEntry = { fn: handler as (m: never) => void, rank };
    if (this.#registry.addPattern(pattern, matches, entry, options.positions))
      this.#subscribePatterns([pattern]);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      if (this.#registry.removePattern(pattern, entry)) this.#send({ op: "unsubscribe", feeds: [pattern] });
    };
  }

  /** The messages of `feedId` as an async iterator; `break` unsubscribes, `close()` ends it. */
  messages<M extends StreamMessage = ThreatMessage>(
    feedId: string,
    options: SubscribeOptions = {},
  ): AsyncIterableIterator<M> {
    return messageIterator<M["payload"]>(
      (push) => this.subscribe(feedId, push, options),
      (end) => {
        this.#ends.add(end);
        return () => this.#ends.delete(end);
      },
    ) as AsyncIterableIterator<M>;
  }

  on<K extends keyof ClientEvents>(event: K, listener: (e: ClientEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Where `feedId` would resume: the last seq delivered (or the head when it joined) and its epoch. */
  position(feedId: string): { seq: number; epoch: string | undefined } | undefined {
    return this.#registry.position(feedId);
  }

  /** Sends a fresh token on the live socket and uses it for every later reconnect. */
  refresh(token: string): boolean {
    this.#o.token = token;
    return this.#send({ op: "refresh", token });
  }

  /** Drops the connection and reconnects now (after changing the URL or the token, for example). */
  reconnect(): void {
    if (this.#closed) return;
    this.#transport?.close(1000, "reconnect");
    this.#transport = undefined;
    this.#watchdog.stop();
    this.#connectWatch.stop();
    this.#registry.reset();
    this.#o.timers.clearTimeout(this.#timer);
    void this.#open();
  }

  /** Closes for good: no reconnect; every `messages()` iterator ends. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    this.#o.timers.clearTimeout(this.#timer);
    this.#watchdog.stop();
    this.#connectWatch.stop();
    this.#transport?.close(1000, "client closed");
    this.#transport = undefined;
    this.#registry.reset();
    this.#set({ type: "close" });
    for (const end of [...this.#ends]) end();
  }

  async #open(): Promise<void> {
    const gen = ++this.#generation;
    try {
      const urlIndex = this.#urlIndex;
      const url = streamUrl(this.#o.url(urlIndex));
      const t = this.#o.token;
      const token = typeof t === "function" ? await t() : t;
      if (gen !== this.#generation || this.#closed) return;
      const target = placeToken(url, [PROTOCOLS[this.#o.format]], token, this.#o.tokenIn);
      this.#set({ type: "connect", url: redactUrl(target.url), urlIndex });
      const transport = openTransport(this.#o.WebSocket, target.url, target.protocols, {
        onOpen: () => this.#onOpen(),
        onData: (d) => this.#onData(d),
        onClose: (code, reason) => {
          if (this.#transport !== transport) return;
          this.#transport = undefined;
          this.#lost(code, reason);
        },
      });
      this.#transport = transport;
      this.#connectWatch.start();
    } catch (err) {
      if (gen !== this.#generation || this.#closed) return;
      this.#error(err, "cannot open the connection");
      this.#lost(1006, "");
    }
  }

  #onOpen(): void {
    this.#connectWatch.stop();
    this.#set({ type: "open" });
    this.#watchdog.start();
    this.#subscribeNow(this.#registry.feedIds);
    this.#subscribePatterns(this.#registry.patterns);
  }

  #onData(data: unknown): void {
    this.#watchdog.kick();
    this.#failures = 0;
    let incoming: ReturnType<typeof decodeIncoming>;
    try {
      incoming = decodeIncoming(data);
    } catch (err) {
      this.#error(err, "undecodable message");
      return;
    }
    if (incoming.kind === "data") {
      if (this.#registry.admit(incoming.message)) this.#deliver(incoming.message);
    } else this.#onControl(incoming.control);
  }

  #onControl(c: Control): void {
    if (c.type === "heartbeat")
      this.#set({ type: "heartbeat", at: Number.isFinite(c.ts) ? c.ts : Date.now() });
    else if (c.type === "damaged") {
      const gap = this.#registry.damaged(c.feedId, c.seq, c.damage);
      if (gap !== undefined) this.#events.emit("gap", gap);
    } else if (c.type === "error") {
      this.#events.emit("error", c.error);
      this.#retryFeed(c.error);
    } else if (c.op === "subscribe" && typeof c.id === "number") {
      const { outcomes, deliver, resubscribe } = this.#registry.onReply(c.id, c.feeds ?? {});
      for (const o of outcomes) {
        this.#events.emit("subscribed", { feedId: o.feedId, ...o.reply });
        if (o.gap !== undefined) this.#events.emit("gap", o.gap);
      }
      for (const m of deliver) this.#deliver(m);
      if (resubscribe.length > 0) this.#resubscribe(resubscribe);
    } else if (c.op === "subscribe" && c.id === undefined && typeof c.pattern === "string") {
      for (const o of this.#registry.onPatternFeed(c.feeds ?? {}))
        this.#events.emit("subscribed", { feedId: o.feedId, ...o.reply });
    }
  }

  /** Named feeds are subscribed again by name, pattern-only ones through their patterns. */
  #resubscribe(feedIds: string[]): void {
    const named = this.#registry.feedIds;
    this.#subscribeNow(feedIds.filter((f) => named.includes(f)));
    const patterns = new Set(
      feedIds.filter((f) => !named.includes(f)).flatMap((f) => this.#registry.patternsFor(f)),
    );
    if (patterns.size > 0) this.#subscribePatterns([...patterns]);
  }

  #deliver(m: StreamMessage): void {
    const rank = PRIORITIES.indexOf(m.priority);
    for (const h of this.#registry.handlers(m.feedId)) {
      if (rank > h.rank) continue;
      try {
        (h.fn as (m: StreamMessage) => void)(m);
      } catch (err) {
        this.#error(err, `a handler of ${m.feedId} threw`);
      }
    }
    if (this.#events.has("message")) this.#events.emit("message", m);
  }

  /**
   * A feed the server could not serve for now (its replay failed: `UNAVAILABLE`, `INTERNAL`, or was
   * refused: `RATE_LIMITED`, the connection's replay budget spent) is subscribed again after `retryAfter`
   * (or a backoff step), from where it stopped; the other feeds of the connection are not disturbed.
   */
  #retryFeed(err: TacError): void {
    const feedId = err.feedId;
    const retried = [ErrorCode.Unavailable, ErrorCode.Internal, ErrorCode.RateLimited] as const;
    if (feedId === undefined || !(retried as readonly string[]).includes(err.code)) return;
    if (!this.#registry.has(feedId)) return;
    const gen = this.#generation;
    const { minMs, maxMs } = this.#o.backoff;
    const delayMs =
      err.retryAfter !== undefined ? err.retryAfter * 1000 : backoff(0, minMs, maxMs, this.#o.random);
    this.#o.timers.setTimeout(() => {
      if (gen === this.#generation && this.#registry.has(feedId)) this.#resubscribe([feedId]);
    }, delayMs);
  }

  /** Sends subscribe ops now if connected; otherwise the next open subscribes every feed. */
  #subscribeNow(feedIds: string[]): void {
    if (this.#state.status !== "connected" || this.#transport === undefined) return;
    for (const op of this.#registry.subscribeOps(feedIds)) this.#send(op);
  }

  #subscribePatterns(patterns: string[]): void {
    if (this.#state.status !== "connected" || this.#transport === undefined) return;
    for (const op of this.#registry.patternOps(patterns)) this.#send(op);
  }

  #send(op: object): boolean {
    return this.#transport?.send(JSON.stringify(op)) ?? false;
  }

  /** Abandons a connection that went silent; its close handshake could take minutes on a dead link. */
  #drop(code: number, reason: string): void {
    const t = this.#transport;
    if (t === undefined) return;
    this.#transport = undefined;
    t.close(code, reason);
    this.#lost(code, reason);
  }

  #lost(code: number, reason: string): void {
    this.#watchdog.stop();
    this.#connectWatch.stop();
    this.#registry.reset();
    if (this.#closed) return;
    if (code === 4001 || code === 4401 || code === 4003) {
      const c = code === 4003 ? ErrorCode.Forbidden : ErrorCode.Unauthorized;
      this.#events.emit("error", new TacError(c, reason || `closed with ${code}`));
    }
    if (this.#state.reconnectAttempts >= this.#o.maxReconnectAttempts) {
      this.#set({ type: "give-up" });
      return;
    }
    const next = nextAttempt(
      this.#urlIndex,
      this.#o.urlCount,
      ++this.#failures,
      this.#o.backoff,
      this.#o.random,
    );
    this.#urlIndex = next.index;
    const delayMs = next.delayMs;
    this.#set({ type: "lost", delayMs });
    this.#timer = this.#o.timers.setTimeout(() => void this.#open(), delayMs);
  }

  #set(e: StateEvent): void {
    this.#state = reduce(this.#state, e);
    this.#events.emit("state", this.#state);
  }

  #error(err: unknown, message: string): void {
    const e = err instanceof TacError ? err : new TacError(ErrorCode.Internal, message, { cause: err });
    this.#events.emit("error", e);
  }
}

/** Connects to a tacstream server; the client starts connecting at once and reconnects by itself. */
export function connect(options: ConnectOptions): TacstreamClient {
  return new TacstreamClient(options);
}
