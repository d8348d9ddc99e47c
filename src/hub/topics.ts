import { PRIORITIES } from "../protocol/frame.ts";

export type WireFormat = "json" | "binary";

/**
 * Topics are per (format, feed, priority). A subscriber with `minPriority: high` joins the `critical`
 * and `high` topics of the feed, so priority filtering costs nothing at fan-out: the native publish
 * reaches exactly the sockets that want the message, with no per-client check in JavaScript.
 */
export interface FeedTopics {
  json: readonly string[];
  binary: readonly string[];
}

const cache = new Map<string, FeedTopics>();
const MAX_CACHED = 10_000;

export function feedTopics(feedId: string): FeedTopics {
  let t = cache.get(feedId);
  if (t === undefined) {
    t = {
      json: PRIORITIES.map((_, p) => `j:${feedId}:${p}`),
      binary: PRIORITIES.map((_, p) => `b:${feedId}:${p}`),
    };
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(feedId, t);
  }
  return t;
}

/** The topics a subscriber joins: priorities 0 … minPriority inclusive. */
export function topicsFor(feedId: string, format: WireFormat, minPriority: number): string[] {
  return feedTopics(feedId)[format].slice(0, minPriority + 1);
}

/** Every session joins this topic; one publish per interval heartbeats all of them. */
export const HEARTBEAT_TOPIC = "sys:heartbeat";
