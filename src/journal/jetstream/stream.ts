import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import type { JournalLogger, ResolvedOptions } from "./options.ts";

const NANOS_PER_MS = 1_000_000;
/** JetStream API error codes the journal reacts to. */
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const STREAM_SUBJECTS_OVERLAP = 10065;

/**
 * The stream cannot be created because another stream already captures its subjects (e.g. a second
 * `NATS_STREAM` on one server with the same subject prefix). Retrying cannot fix it, only the operator
 * can: the message names both streams so /ready and the log say what to change.
 */
export class StreamSubjectsTaken extends Error {
  override readonly name = "StreamSubjectsTaken";
  constructor(
    readonly stream: string,
    readonly subjects: readonly string[],
    readonly owner: string | undefined,
  ) {
    super(
      `stream ${stream} cannot be created: subjects ${subjects.join(",")} already owned by stream ${owner ?? "(another stream)"}` +
        " (point NATS_STREAM at that stream, or use another NATS server)",
    );
  }
}

/** The fields of the stream config the journal owns; everything else is left as the operator set it. */
export type OwnedConfig = Pick<
  StreamConfig,
  "subjects" | "num_replicas" | "max_msgs" | "max_age" | "max_bytes" | "duplicate_window"
>;

export function ownedConfig(o: ResolvedOptions): OwnedConfig {
  const { maxMessages, maxAgeMs, maxBytes } = o.retention;
  return {
    subjects: [`${o.subjectPrefix}.>`],
    num_replicas: o.replicas,
    max_msgs: maxMessages > 0 ? maxMessages : -1,
    max_age: maxAgeMs * NANOS_PER_MS,
    max_bytes: maxBytes > 0 ? maxBytes : -1,
    duplicate_window: o.duplicateWindowMs * NANOS_PER_MS,
  };
}

export function createConfig(o: ResolvedOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: o.stream,
    ...ownedConfig(o),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    // Retention drops the oldest messages; new appends are never refused for space.
    discard: DiscardPolicy.Old,
  };
}

/** The owned fields whose current value differs from the wanted one (empty: nothing to update). */
export function configChanges(current: StreamConfig, want: OwnedConfig): Partial<OwnedConfig> {
  const changes: Partial<OwnedConfig> = {};
  const subjects = want.subjects ?? [];
  if (current.subjects.length !== subjects.length || current.subjects.some((s, i) => s !== subjects[i])) {
    changes.subjects = subjects;
  }
  for (const key of ["num_replicas", "max_msgs", "max_age", "max_bytes", "duplicate_window"] as const) {
    if (current[key] !== want[key]) changes[key] = want[key] as number;
  }
  return changes;
}

/**
 * The region's mirror of the stream: created when missing, with the stream's retention, sourced through
 * the primary's domain API (the leaf node carries it). A mirror keeps the stream's sequence numbers, so
 * seqs — and resume positions — are the same in every region.
 */
export async function ensureMirror(
  jsm: JetStreamManager,
  o: ResolvedOptions,
  log: JournalLogger | undefined,
): Promise<StreamInfo> {
  const m = o.mirror!;
  try {
    return await jsm.streams.info(m.name);
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
  const { subjects: _none, duplicate_window: _dw, ...limits } = ownedConfig(o);
  log?.info("jetstream: creating this region's mirror", {
    mirror: m.name,
    of: o.stream,
    domain: m.primaryDomain,
  });
  return await jsm.streams.add({
    ...limits,
    // The region's own copy, rebuilt from the primary if its server is lost: one replica is enough.
    num_replicas: 1,
    name: m.name,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    mirror: { name: o.stream, external: { api: `$JS.${m.primaryDomain}.API`, deliver: "" } },
  });
}

/**
 * One incarnation of the stream: its creation time in nanoseconds, in hex. A deleted and recreated
 * stream has a new `created`, hence a new epoch; restarts and config updates keep it.
 */
export function epochOf(created: string): string {
  const m = /^(.+?)(?:\.(\d+))?Z$/.exec(created);
  const ms = m === null ? Number.NaN : Date.parse(`${m[1]}Z`);
  if (m === null || Number.isNaN(ms)) return created;
  const nanos = BigInt((m[2] ?? "").padEnd(9, "0").slice(0, 9));
  return (BigInt(ms) * 1_000_000n + nanos).toString(16);
}

export function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND;
}

/**
 * Creates the stream when missing, updates the owned fields that differ, and returns its info. Storage
 * type cannot change on a live stream: a mismatch is reported through `warn`, never "fixed".
 */
export async function ensureStream(
  jsm: JetStreamManager,
  o: ResolvedOptions,
  log: JournalLogger | undefined,
): Promise<StreamInfo> {
  for (let attempt = 0; ; attempt++) {
    let info: StreamInfo;
    try {
      info = await jsm.streams.info(o.stream);
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      try {
        return await jsm.streams.add(createConfig(o));
      } catch (addErr) {
        // Another node created it between our info and add: take the update path once.
        if (attempt === 0 && addErr instanceof JetStreamApiError && addErr.code === STREAM_NAME_IN_USE)
          continue;
        if (addErr instanceof JetStreamApiError && addErr.code === STREAM_SUBJECTS_OVERLAP) {
          const subjects = ownedConfig(o).subjects ?? [];
          const owner = await jsm.streams.find(subjects[0] ?? "").catch(() => undefined);
          throw new StreamSubjectsTaken(o.stream, subjects, owner);
        }
        throw addErr;
      }
    }
    if (info.config.storage !== StorageType.File) {
      log?.warn("jetstream stream is not file-backed; acknowledged messages do not survive a restart", {
        stream: o.stream,
        storage: info.config.storage,
      });
    }
    const changes = configChanges(info.config, ownedConfig(o));
    if (Object.keys(changes).length === 0) return info;
    log?.info("jetstream stream config differs, updating", { stream: o.stream, changes });
    return await jsm.streams.update(o.stream, changes);
  }
}
