import { ErrorCode, TacError } from "../protocol/errors.js";
import { PRIORITIES } from "../protocol/frame.js";
import { backoff } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { PROTOCOLS, placeToken, redactUrl, streamUrl } from "./endpoint.js";
import { nextAttempt } from "./failover.js";
import { messageIterator } from "./iterator.js";
import { resolveOptions } from "./options.js";
import { FEED_ID_RE, patternMatcher, Registry } from "./registry.js";
import { initialState, reduce } from "./state.js";
import { openTransport } from "./transport.js";
import { Watchdog } from "./watchdog.js";
import { decodeIncoming } from "./wire.js";
let clientCount = 0;
/**
 * A tacstream subscriber: one WebSocket, any number of feeds, reconnecting with jittered backoff and
 * resuming every feed from its last seq and epoch, so a handler sees each message at most once, in order,
 * and hears about any history the server could not replay (`gap`).
 */
export class TacstreamClient {
    #o;
    #registry;
    #events;
    #watchdog;
    /** Abandons an attempt that neither opens nor fails: a region that went away often drops packets. */
    #connectWatch;
    #ends = new Set();
    #state;
    #transport;
    #timer;
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
    constructor(options) {
        this.#o = resolveOptions(options);
        this.#events = new Emitter((err) => this.#error(err, "an event listener threw"));
        this.#registry = new Registry({ partial: this.#o.onGap === "partial" });
        this.#watchdog = new Watchdog(this.#o.heartbeatTimeoutMs, () => this.#drop(4000, "heartbeat timeout"), this.#o.timers);
        this.#connectWatch = new Watchdog(this.#o.connectTimeoutMs, () => this.#drop(4000, "connect timeout"), this.#o.timers);
        this.#state = initialState(`c${++clientCount}`, "", this.#o.maxReconnectAttempts);
        void this.#open();
    }
    get state() {
        return this.#state;
    }
    /**
     * Calls `handler` for every message of `feedId`; returns the function that unsubscribes it. A pattern
     * (`"*"`, `"intel.*"`: the grant grammar) covers every feed it matches that the token may read,
     * including feeds created later; each of them resumes on its own across reconnects.
     */
    subscribe(feedId, handler, options = {}) {
        if (typeof feedId === "string" && feedId.includes("*"))
            return this.#subscribePattern(feedId, handler, options);
        if (typeof feedId !== "string" || !FEED_ID_RE.test(feedId) || /\.\.|\.$/.test(feedId)) {
            throw new TacError(ErrorCode.Validation, `invalid feed id ${JSON.stringify(feedId)}`, {
                path: "feedId",
            });
        }
        const rank = PRIORITIES.indexOf(options.minPriority ?? "low");
        if (rank < 0)
            throw new TacError(ErrorCode.Validation, "invalid minPriority", { path: "minPriority" });
        const entry = { fn: handler, rank };
        if (this.#registry.add(feedId, entry, options.from))
            this.#subscribeNow([feedId]);
        let active = true;
        return () => {
            if (!active)
                return;
            active = false;
            if (this.#registry.remove(feedId, entry))
                this.#send({ op: "unsubscribe", feeds: [feedId] });
        };
    }
    #subscribePattern(pattern, handler, options) {
        const matches = patternMatcher(pattern);
        if (matches === undefined) {
            throw new TacError(ErrorCode.BadPattern, `pattern ${JSON.stringify(pattern)} must be "*" or "<feed>.*"`, {
                path: "feedId",
            });
        }
        const rank = PRIORITIES.indexOf(options.minPriority ?? "low");
        if (rank < 0)
            throw new TacError(ErrorCode.Validation, "invalid minPriority", { path: "minPriority" });
        const entry = { fn: handler, rank };
        if (this.#registry.addPattern(pattern, matches, entry, options.positions))
            this.#subscribePatterns([pattern]);
        let active = true;
        return () => {
            if (!active)
                return;
            active = false;
            if (this.#registry.removePattern(pattern, entry))
                this.#send({ op: "unsubscribe", feeds: [pattern] });
        };
    }
    /** The messages of `feedId` as an async iterator; `break` unsubscribes, `close()` ends it. */
    messages(feedId, options = {}) {
        return messageIterator((push) => this.subscribe(feedId, push, options), (end) => {
            this.#ends.add(end);
            return () => this.#ends.delete(end);
        });
    }
    on(event, listener) {
        return this.#events.on(event, listener);
    }
    /** Where `feedId` would resume: the last seq delivered (or the head when it joined) and its epoch. */
    position(feedId) {
        return this.#registry.position(feedId);
    }
    /** Sends a fresh token on the live socket and uses it for every later reconnect. */
    refresh(token) {
        this.#o.token = token;
        return this.#send({ op: "refresh", token });
    }
    /** Drops the connection and reconnects now (after changing the URL or the token, for example). */
    reconnect() {
        if (this.#closed)
            return;
        this.#transport?.close(1000, "reconnect");
        this.#transport = undefined;
        this.#watchdog.stop();
        this.#connectWatch.stop();
        this.#registry.reset();
        this.#o.timers.clearTimeout(this.#timer);
        void this.#open();
    }
    /** Closes for good: no reconnect; every `messages()` iterator ends. */
    close() {
        if (this.#closed)
            return;
        this.#closed = true;
        this.#generation++;
        this.#o.timers.clearTimeout(this.#timer);
        this.#watchdog.stop();
        this.#connectWatch.stop();
        this.#transport?.close(1000, "client closed");
        this.#transport = undefined;
        this.#registry.reset();
        this.#set({ type: "close" });
        for (const end of [...this.#ends])
            end();
    }
    async #open() {
        const gen = ++this.#generation;
        try {
            const urlIndex = this.#urlIndex;
            const url = streamUrl(this.#o.url(urlIndex));
            const t = this.#o.token;
            const token = typeof t === "function" ? await t() : t;
            if (gen !== this.#generation || this.#closed)
                return;
            const target = placeToken(url, [PROTOCOLS[this.#o.format]], token, this.#o.tokenIn);
            this.#set({ type: "connect", url: redactUrl(target.url), urlIndex });
            const transport = openTransport(this.#o.WebSocket, target.url, target.protocols, {
                onOpen: () => this.#onOpen(),
                onData: (d) => this.#onData(d),
                onClose: (code, reason) => {
                    if (this.#transport !== transport)
                        return;
                    this.#transport = undefined;
                    this.#lost(code, reason);
                },
            });
            this.#transport = transport;
            this.#connectWatch.start();
        }
        catch (err) {
            if (gen !== this.#generation || this.#closed)
                return;
            this.#error(err, "cannot open the connection");
            this.#lost(1006, "");
        }
    }
    #onOpen() {
        this.#connectWatch.stop();
        this.#set({ type: "open" });
        this.#watchdog.start();
        this.#subscribeNow(this.#registry.feedIds);
        this.#subscribePatterns(this.#registry.patterns);
    }
    #onData(data) {
        this.#watchdog.kick();
        this.#failures = 0;
        let incoming;
        try {
            incoming = decodeIncoming(data);
        }
        catch (err) {
            this.#error(err, "undecodable message");
            return;
        }
        if (incoming.kind === "data") {
            if (this.#registry.admit(incoming.message))
                this.#deliver(incoming.message);
        }
        else
            this.#onControl(incoming.control);
    }
    #onControl(c) {
        if (c.type === "heartbeat")
            this.#set({ type: "heartbeat", at: Number.isFinite(c.ts) ? c.ts : Date.now() });
        else if (c.type === "damaged") {
            const gap = this.#registry.damaged(c.feedId, c.seq, c.damage);
            if (gap !== undefined)
                this.#events.emit("gap", gap);
        }
        else if (c.type === "error") {
            this.#events.emit("error", c.error);
            this.#retryFeed(c.error);
        }
        else if (c.op === "subscribe" && typeof c.id === "number") {
            const { outcomes, deliver, resubscribe } = this.#registry.onReply(c.id, c.feeds ?? {});
            for (const o of outcomes) {
                this.#events.emit("subscribed", { feedId: o.feedId, ...o.reply });
                if (o.gap !== undefined)
                    this.#events.emit("gap", o.gap);
            }
            for (const m of deliver)
                this.#deliver(m);
            if (resubscribe.length > 0)
                this.#resubscribe(resubscribe);
        }
        else if (c.op === "subscribe" && c.id === undefined && typeof c.pattern === "string") {
            for (const o of this.#registry.onPatternFeed(c.feeds ?? {}))
                this.#events.emit("subscribed", { feedId: o.feedId, ...o.reply });
        }
    }
    /** Named feeds are subscribed again by name, pattern-only ones through their patterns. */
    #resubscribe(feedIds) {
        const named = this.#registry.feedIds;
        this.#subscribeNow(feedIds.filter((f) => named.includes(f)));
        const patterns = new Set(feedIds.filter((f) => !named.includes(f)).flatMap((f) => this.#registry.patternsFor(f)));
        if (patterns.size > 0)
            this.#subscribePatterns([...patterns]);
    }
    #deliver(m) {
        const rank = PRIORITIES.indexOf(m.priority);
        for (const h of this.#registry.handlers(m.feedId)) {
            if (rank > h.rank)
                continue;
            try {
                h.fn(m);
            }
            catch (err) {
                this.#error(err, `a handler of ${m.feedId} threw`);
            }
        }
        if (this.#events.has("message"))
            this.#events.emit("message", m);
    }
    /**
     * A feed the server could not serve for now (its replay failed: `UNAVAILABLE`, `INTERNAL`, or was
     * refused: `RATE_LIMITED`, the connection's replay budget spent) is subscribed again after `retryAfter`
     * (or a backoff step), from where it stopped; the other feeds of the connection are not disturbed.
     */
    #retryFeed(err) {
        const feedId = err.feedId;
        const retried = [ErrorCode.Unavailable, ErrorCode.Internal, ErrorCode.RateLimited];
        if (feedId === undefined || !retried.includes(err.code))
            return;
        if (!this.#registry.has(feedId))
            return;
        const gen = this.#generation;
        const { minMs, maxMs } = this.#o.backoff;
        const delayMs = err.retryAfter !== undefined ? err.retryAfter * 1000 : backoff(0, minMs, maxMs, this.#o.random);
        this.#o.timers.setTimeout(() => {
            if (gen === this.#generation && this.#registry.has(feedId))
                this.#resubscribe([feedId]);
        }, delayMs);
    }
    /** Sends subscribe ops now if connected; otherwise the next open subscribes every feed. */
    #subscribeNow(feedIds) {
        if (this.#state.status !== "connected" || this.#transport === undefined)
            return;
        for (const op of this.#registry.subscribeOps(feedIds))
            this.#send(op);
    }
    #subscribePatterns(patterns) {
        if (this.#state.status !== "connected" || this.#transport === undefined)
            return;
        for (const op of this.#registry.patternOps(patterns))
            this.#send(op);
    }
    #send(op) {
        return this.#transport?.send(JSON.stringify(op)) ?? false;
    }
    /** Abandons a connection that went silent; its close handshake could take minutes on a dead link. */
    #drop(code, reason) {
        const t = this.#transport;
        if (t === undefined)
            return;
        this.#transport = undefined;
        t.close(code, reason);
        this.#lost(code, reason);
    }
    #lost(code, reason) {
        this.#watchdog.stop();
        this.#connectWatch.stop();
        this.#registry.reset();
        if (this.#closed)
            return;
        if (code === 4001 || code === 4401 || code === 4003) {
            const c = code === 4003 ? ErrorCode.Forbidden : ErrorCode.Unauthorized;
            this.#events.emit("error", new TacError(c, reason || `closed with ${code}`));
        }
        if (this.#state.reconnectAttempts >= this.#o.maxReconnectAttempts) {
            this.#set({ type: "give-up" });
            return;
        }
        const next = nextAttempt(this.#urlIndex, this.#o.urlCount, ++this.#failures, this.#o.backoff, this.#o.random);
        this.#urlIndex = next.index;
        const delayMs = next.delayMs;
        this.#set({ type: "lost", delayMs });
        this.#timer = this.#o.timers.setTimeout(() => void this.#open(), delayMs);
    }
    #set(e) {
        this.#state = reduce(this.#state, e);
        this.#events.emit("state", this.#state);
    }
    #error(err, message) {
        const e = err instanceof TacError ? err : new TacError(ErrorCode.Internal, message, { cause: err });
        this.#events.emit("error", e);
    }
}
/** Connects to a tacstream server; the client starts connecting at once and reconnects by itself. */
export function connect(options) {
    return new TacstreamClient(options);
}
