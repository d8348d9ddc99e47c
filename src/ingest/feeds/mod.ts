/**
 * Feed polling (rss, json, stix, taxii, misp, kev), generic webhooks and the dead-letter queue, mounted
 * as one server plugin: `feedsPlugin({ file: FEEDS_FILE })`. The reference is docs/feeds.md.
 */
export {
  FEED_SOURCE_KINDS,
  type FeedConfig,
  type FeedSourceKind,
  loadFeedsFile,
  type PriorityRule,
  parseFeedsConfig,
} from "./config.ts";
export { type EmitResult, emitItems } from "./emit.ts";
export { type Fetched, type FetchFn, type FetchRequest, fetchDocument, safeUrl } from "./fetch.ts";
export { type FeedLease, KvLease, LOCAL_LEASE } from "./lease.ts";
export { LEASE_BUCKET, NatsLease, type NatsLeaseOptions } from "./lease-nats.ts";
export { itemMessageId, itemToMessage, priorityFor } from "./messages.ts";
export { parseDocument, trustedContentType } from "./parse.ts";
export { type FeedsPlugin, type FeedsPluginOptions, feedsPlugin } from "./plugin.ts";
export { readCapped } from "./read-capped.ts";
export { REAL_TIMERS, Scheduler, type SchedulerOptions, type Timers } from "./scheduler.ts";
export { SeenStore } from "./seen.ts";
export { FeedsService } from "./service.ts";
export type { FeedRole, FeedStatusView } from "./status.ts";
