import * as v from "valibot";
import { TacError } from "../../protocol/errors.ts";
import { REPLAY_WINDOW_MS } from "../../security/replay-window.ts";
import type { Retention } from "../journal.ts";

/** The part of the project's `Logger` the journal uses; `console` fits too. */
export interface JournalLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface JetStreamJournalOptions {
  /** NATS URLs, e.g. `["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"]`. */
  servers: string | string[];
  /** Stream name. Default `TACSTREAM`. */
  stream?: string;
  /** Subjects are `<subjectPrefix>.<feedId>`; the stream captures `<subjectPrefix>.>`. Default `feeds`. */
  subjectPrefix?: string;
  /**
   * Regions (docs/regions.md): the stream lives in the JetStream domain `primaryDomain` and this node
   * reads a mirror of it, named `mirror`, in its own region's NATS (a leaf node of the primary). Appends
   * still go to the stream — the leaf node carries them to the primary and the ack back — while replay,
   * the live tail and positions come from the local mirror, which keeps the stream's seqs. Both or neither.
   */
  mirror?: string;
  primaryDomain?: string;
  /** Stream replicas (1 = no redundancy; 3 survives one lost server). Default 1. */
  replicas?: number;
  retention?: Partial<Retention>;
  /** `Nats-Msg-Id` de-duplication window. Default 600 000 (10 min, the webhook replay window), capped at `retention.maxAgeMs`. */
  duplicateWindowMs?: number;
  /** Connection name shown by the server (`nats server report connections`). */
  name?: string;
  /** Credentials: the client ignores any written into a URL, so they come separately. */
  auth?: NatsAuth;
  logger?: JournalLogger;
  /** Wait between reconnect attempts, plus up to `reconnectJitterMs` random. Defaults 1000 / 500. */
  reconnectTimeWaitMs?: number;
  reconnectJitterMs?: number;
  /** Bound on one publish ack or API request; past it the append rejects UNAVAILABLE. Default 5000. */
  requestTimeoutMs?: number;
  /** The clock that decides expiry on replay (epoch ms). Default `Date.now`. */
  now?: () => number;
  /**
   * Group commit: the frames of one feed appended in one turn go out as ONE JetStream message, and
   * seqs become `(streamSeq − 1) × 4096 + index + 1` (docs/jetstream.md). Every node on a stream must
   * agree; switching it on is a new epoch. Default false.
   */
  groupCommit?: boolean;
  /** Group commit only: message ids remembered for de-duplication, at most. Default 262 144. */
  dedupMaxIds?: number;
}

export interface NatsAuth {
  user?: string;
  pass?: string;
  token?: string;
}

export interface ResolvedOptions {
  servers: string[];
  stream: string;
  /** Where reads come from: the local mirror in a region, else the stream itself. */
  readStream: string;
  mirror: { name: string; primaryDomain: string } | undefined;
  subjectPrefix: string;
  replicas: number;
  retention: Retention;
  duplicateWindowMs: number;
  name: string;
  auth: NatsAuth;
  logger: JournalLogger | undefined;
  reconnectTimeWaitMs: number;
  reconnectJitterMs: number;
  requestTimeoutMs: number;
  now: () => number;
  groupCommit: boolean;
  dedupMaxIds: number;
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const positiveMs = v.pipe(v.number(), v.integer(), v.minValue(1));
/** A NATS subject token: no whitespace, dots or wildcards. Stream names share the rule. */
const token = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 of [A-Za-z0-9_-]"));

const OptionsSchema = v.object({
  servers: v.union([
    v.pipe(v.string(), v.minLength(1)),
    v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
  ]),
  stream: v.optional(token, "TACSTREAM"),
  mirror: v.optional(token),
  primaryDomain: v.optional(token),
  subjectPrefix: v.optional(token, "feeds"),
  replicas: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)), 1),
  retention: v.optional(
    v.object({
      maxMessages: v.optional(count, 0),
      maxAgeMs: v.optional(count, 0),
      maxBytes: v.optional(count, 0),
    }),
    {},
  ),
  duplicateWindowMs: v.optional(positiveMs, REPLAY_WINDOW_MS),
  name: v.optional(v.string(), "tacstream"),
  reconnectTimeWaitMs: v.optional(count, 1_000),
  reconnectJitterMs: v.optional(count, 500),
  requestTimeoutMs: v.optional(positiveMs, 5_000),
  groupCommit: v.optional(v.boolean(), false),
  dedupMaxIds: v.optional(positiveMs, 262_144),
});

/** Validates the options once, at construction; a bad option is a typed VALIDATION error. */
export function resolveOptions(input: JetStreamJournalOptions): ResolvedOptions {
  const { logger, now, ...plain } = input;
  const parsed = v.safeParse(OptionsSchema, plain);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue) ?? "";
    throw TacError.validation(`jetstream journal option ${path}: ${issue.message}`, path);
  }
  const o = parsed.output;
  if ((o.mirror === undefined) !== (o.primaryDomain === undefined))
    throw TacError.validation(
      "jetstream journal options mirror and primaryDomain go together",
      o.mirror === undefined ? "mirror" : "primaryDomain",
    );
  if (o.mirror === o.stream)
    throw TacError.validation("jetstream journal option mirror must not be the stream's own name", "mirror");
  const retention: Retention = {
    maxMessages: o.retention.maxMessages,
    maxAgeMs: o.retention.maxAgeMs,
    maxBytes: o.retention.maxBytes,
  };
  return {
    servers: typeof o.servers === "string" ? o.servers.split(",").map((s) => s.trim()) : o.servers,
    stream: o.stream,
    readStream: o.mirror ?? o.stream,
    mirror: o.mirror === undefined ? undefined : { name: o.mirror, primaryDomain: o.primaryDomain! },
    subjectPrefix: o.subjectPrefix,
    replicas: o.replicas,
    retention,
    // The server refuses a duplicate window longer than the stream's max age.
    duplicateWindowMs:
      retention.maxAgeMs > 0 ? Math.min(o.duplicateWindowMs, retention.maxAgeMs) : o.duplicateWindowMs,
    name: o.name,
    auth: input.auth ?? {},
    logger,
    reconnectTimeWaitMs: o.reconnectTimeWaitMs,
    reconnectJitterMs: o.reconnectJitterMs,
    requestTimeoutMs: o.requestTimeoutMs,
    now: now ?? Date.now,
    groupCommit: o.groupCommit,
    dedupMaxIds: o.dedupMaxIds,
  };
}
