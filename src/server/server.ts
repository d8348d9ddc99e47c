import type { NatsConnection } from "@nats-io/transport-node";
import type { Hono } from "hono";
import type { Config } from "../config/config.ts";
import { Hub, type HubOptions } from "../hub/hub.ts";
import type { Upgrade } from "../hub/routes.ts";
import type { Publisher } from "../hub/socket.ts";
import { JournalIngestor } from "../ingest/pipeline.ts";
import type { Journal } from "../journal/journal.ts";
import { createLogger, type Logger } from "../observability/log.ts";
import { CloseCode, ErrorCode, TacError } from "../protocol/errors.ts";
import { AdmissionController } from "../resilience/admission.ts";
import type { AuditEvent } from "../security/audit.ts";
import type { PayloadCipher } from "../security/encryption.ts";
import { type AccessControl, OPEN_ACCESS } from "./access.ts";
import { createApp } from "./app.ts";
import { EventBus } from "./events.ts";
import type { NodeContext, Plugin } from "./plugin.ts";

type PublishedEvent = { sub: string; feedId: string; grant: string; count: number; ip: string };

export interface TacstreamOptions {
  config: Config;
  journal: Journal;
  access?: AccessControl;
  logger?: Logger;
  clientIp?: (req: Request) => string;
  corsOrigin?: (origin: string) => string | null;
  /** Where audit events go (the security layer's audit log); dropped when absent. */
  audit?: (event: AuditEvent) => void;
  /** ENCRYPTION_KEYS' cipher, for plugins that write files of their own (the DLQ). */
  cipher?: PayloadCipher;
  /** The journal's NATS connection, shared with the plugins (see NodeContext.nats). */
  nats?: () => NatsConnection | undefined;
  plugins?: Plugin[];
  /** The node's event bus, when the caller wired listeners (security, audit) before the node existed. */
  events?: EventBus;
  /** JSON parser for request bodies (the safe one refuses deep nesting and prototype keys). */
  parseJson?: (text: string) => unknown;
}

/**
 * One tacstream node, independent of the runtime: the runtime entry (src/runtime/*) creates it, serves
 * `app.fetch`, forwards WebSocket events to `hub`, and calls `attach` with its publisher.
 */
export class Tacstream {
  readonly app: Hono;
  readonly hub: Hub;
  readonly journal: Journal;
  readonly log: Logger;
  readonly config: Config;
  readonly events: EventBus;
  readonly context: NodeContext;
  readonly #plugins: Plugin[];
  #upgrade: Upgrade | undefined;
  #stopped = false;

  constructor(opts: TacstreamOptions) {
    this.config = opts.config;
    this.events = opts.events ?? new EventBus();
    this.journal = opts.journal;
    this.log = opts.logger ?? createLogger(opts.config.LOG_LEVEL);
    const log = this.log;
    const hubOptions: HubOptions = {
      journal: opts.journal,
      heartbeatIntervalMs: opts.config.HEARTBEAT_INTERVAL_MS,
      backpressureLimit: opts.config.BACKPRESSURE_LIMIT,
      opsPerSecond: opts.config.WS_OPS_PER_SECOND,
      recentBytes: opts.config.RECENT_CACHE_BYTES,
      maxConcurrentReplays: opts.config.REPLAY_MAX_CONCURRENT,
      replayBytesPerSecond: opts.config.WS_REPLAY_BYTES_PER_SECOND,
      replayBurstBytes: opts.config.WS_REPLAY_BURST_BYTES,
      onError: (err, where) => log.error("hub error", { where, err }),
      events: this.events,
    };
    this.events.onListenerError = (err) => log.error("event listener failed", { err });
    this.#plugins = opts.plugins ?? [];
    const ingestor = new JournalIngestor(opts.journal);
    const access = opts.access ?? OPEN_ACCESS;
    const verify = access.verify;
    if (verify !== undefined) {
      hubOptions.refresh = async (token, state) => {
        const caller = await verify(token);
        if (caller.sub !== state.principal.sub) {
          throw new TacError(ErrorCode.Forbidden, "a refresh token must name the same subject");
        }
        state.principal = caller;
      };
    }
    this.hub = new Hub(hubOptions);
    this.context = {
      config: opts.config,
      journal: opts.journal,
      hub: this.hub,
      ingestor,
      access,
      events: this.events,
      log,
      clientIp: (req) => opts.clientIp?.(req) ?? "",
      audit: opts.audit ?? (() => {}),
      ...(opts.cipher === undefined ? {} : { cipher: opts.cipher }),
      ...(opts.nats === undefined ? {} : { nats: opts.nats }),
    };
    const deps = {
      journal: opts.journal,
      ingestor,
      hub: this.hub,
      access,
      events: this.events,
      status: () => this.status(),
      readiness: () => Object.assign({}, ...this.#plugins.map((p) => p.readiness?.() ?? {})),
      logger: log,
      ...(opts.parseJson === undefined ? {} : { parseJson: opts.parseJson }),
      maxPayload: opts.config.MAX_PAYLOAD,
      maxBatch: opts.config.MAX_BATCH,
      admission: new AdmissionController({
        maxInFlight: opts.config.INGEST_MAX_IN_FLIGHT,
        maxBytes: opts.config.INGEST_MAX_IN_FLIGHT_BYTES,
        now: () => performance.now(),
      }),
      opsPerSecond: opts.config.WS_OPS_PER_SECOND,
      upgrade: () => {
        if (this.#upgrade === undefined) throw new Error("runtime did not attach an upgrade function");
        return this.#upgrade;
      },
      log: (err: unknown) => log.error("request failed", { err }),
      extend: (app: Hono) => {
        for (const p of this.#plugins) p.routes?.(app, this.context);
      },
    };
    this.app = createApp({
      ...deps,
      ...(opts.clientIp === undefined ? {} : { clientIp: opts.clientIp }),
      ...(opts.corsOrigin === undefined ? {} : { corsOrigin: opts.corsOrigin }),
      ...(opts.audit === undefined
        ? {}
        : { onPublished: (e: PublishedEvent) => opts.audit?.({ event: "publish", ...e }) }),
    });
  }

  /** Opens the journal and starts fan-out through the runtime's publisher. */
  async start(publisher: Publisher, upgrade: Upgrade): Promise<void> {
    this.#upgrade = upgrade;
    await this.journal.open();
    // A journal may open without being usable yet (NATS unreachable at start): the node then serves
    // /health, answers 503 elsewhere, and starts fan-out as soon as the journal can say where it stands.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.hub.start(publisher);
        break;
      } catch (err) {
        if (!(err instanceof TacError) || err.code !== ErrorCode.Unavailable || this.#stopped) throw err;
        if (attempt === 0) this.log.warn("waiting for the journal", { reason: err.message });
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
    for (const p of this.#plugins) await p.start?.(this.context);
  }

  /** Closes every socket (1001, or 1012 when draining for a restart) and closes the journal. */
  /** Ready when the journal is usable and fan-out has started. */
  status(): { ready: boolean; reason?: string } {
    const s = this.journal.status();
    if (!s.ready || this.hub.started) return s;
    return { ready: false, reason: "starting fan-out" };
  }

  async stop(code: number = CloseCode.GoingAway): Promise<void> {
    this.#stopped = true;
    for (const p of [...this.#plugins].reverse()) await p.stop?.();
    this.hub.stop(code, code === CloseCode.ServiceRestart ? "service restart" : "server stopping");
    await this.journal.close();
  }
}
