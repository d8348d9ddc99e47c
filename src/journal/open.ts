import type { Config } from "../config/config.ts";
import type { Logger } from "../observability/log.ts";
import type { Journal } from "./journal.ts";

/** Embedded file journal by default; JetStream when NATS_URL is set. */
export async function createJournal(config: Config, log?: Logger): Promise<Journal> {
  const retention = {
    maxMessages: config.RETENTION_MAX_MESSAGES,
    maxAgeMs: config.RETENTION_MAX_AGE_SECONDS * 1000,
    maxBytes: config.RETENTION_MAX_BYTES,
  };
  if (config.NATS_URL !== undefined) {
    const { JetStreamJournal } = await import("./jetstream/mod.ts");
    return new JetStreamJournal({
      servers: config.NATS_URL.split(","),
      stream: config.NATS_STREAM,
      replicas: config.NATS_REPLICAS,
      ...(config.NATS_MIRROR === undefined ? {} : { mirror: config.NATS_MIRROR }),
      ...(config.NATS_PRIMARY_DOMAIN === undefined ? {} : { primaryDomain: config.NATS_PRIMARY_DOMAIN }),
      groupCommit: config.NATS_GROUP_COMMIT,
      auth: {
        ...(config.NATS_USER === undefined ? {} : { user: config.NATS_USER }),
        ...(config.NATS_PASSWORD === undefined ? {} : { pass: config.NATS_PASSWORD }),
        ...(config.NATS_TOKEN === undefined ? {} : { token: config.NATS_TOKEN }),
      },
      retention,
      ...(log === undefined ? {} : { logger: log }),
    });
  }
  const { EmbeddedJournal } = await import("./embedded/mod.ts");
  return new EmbeddedJournal({
    dir: `${config.DATA_DIR}/journal`,
    fsync: config.JOURNAL_FSYNC,
    fsyncIntervalMs: config.JOURNAL_FSYNC_INTERVAL_MS,
    inlineSyncMaxMs: config.JOURNAL_INLINE_FSYNC_MAX_MS,
    preallocateBytes: config.JOURNAL_PREALLOCATE_BYTES,
    retention,
    // The hub keeps the newest frames for resumes itself (RECENT_CACHE_BYTES); the journal's own cache
    // only has to cover replays from a little further back.
    cacheBytes: 16 * 1024 * 1024,
    ...(log === undefined ? {} : { logger: log }),
    // The cause (ENOSPC, EROFS) belongs in the log, not only in /ready bodies.
    onFailure: (reason) =>
      log?.error("journal write failed; reads still served, retrying writes", { reason }),
    onRecovered: () => log?.info("journal writes recovered"),
  });
}
