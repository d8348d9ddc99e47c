import type { NatsConnection } from "@nats-io/transport-node";
import type { Hono } from "hono";
import type { Config } from "../config/config.ts";
import type { Hub } from "../hub/hub.ts";
import type { Ingestor } from "../ingest/ingestor.ts";
import type { Journal } from "../journal/journal.ts";
import type { Logger } from "../observability/log.ts";
import type { AuditEvent } from "../security/audit.ts";
import type { PayloadCipher } from "../security/encryption.ts";
import type { AccessControl } from "./access.ts";
import type { EventBus } from "./events.ts";

/** What a plugin gets from the node it extends. */
export interface NodeContext {
  config: Config;
  journal: Journal;
  hub: Hub;
  ingestor: Ingestor;
  access: AccessControl;
  events: EventBus;
  log: Logger;
  /** The client address of a request, as the runtime (and CLIENT_IP_HEADER) sees it. */
  clientIp(req: Request): string;
  /** Records an audit event (no-op without AUDIT_LOG). */
  audit(event: AuditEvent): void;
  /** Set with ENCRYPTION_KEYS: whatever a plugin writes under DATA_DIR goes through it. */
  cipher?: PayloadCipher;
  /**
   * The node's NATS connection (the JetStream journal's), when it has one: plugins use it rather than
   * dial their own, so a node holds one connection with one set of credentials.
   */
  nats?: () => NatsConnection | undefined;
}

/**
 * A capability mounted on a node without the core knowing it: metrics, feed pollers, the DLQ, the
 * dashboard. Each lives in its own folder and is listed once in the runtime's plugin list.
 */
export interface Plugin {
  readonly name: string;
  /** Mount HTTP routes (called once, before the server listens). */
  routes?(app: Hono, ctx: NodeContext): void;
  /** Start background work once the journal is open (pollers, timers). */
  start?(ctx: NodeContext): Promise<void> | void;
  /**
   * Fields this plugin adds to the `/ready` body (e.g. `lease: "unavailable: …"`): what an operator must
   * see about a part that cannot work, without failing readiness for the rest of the node.
   */
  readiness?(): Record<string, string>;
  /** Stop background work; called on shutdown before the journal closes. */
  stop?(): Promise<void> | void;
}
