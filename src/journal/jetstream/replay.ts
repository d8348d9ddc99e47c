import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos, nuid } from "@nats-io/transport-node";
import type { StoredMessage } from "../journal.ts";
import { packSeq, replayStart } from "./group.ts";
import { expiresAtOf, framesOf, storedGroup, toStored } from "./message.ts";
import type { ResolvedOptions } from "./options.ts";

/** Messages pulled per request: large enough to stream thousands quickly, small enough to bound memory. */
const PULL_BATCH = 2_048;

/**
 * Replays one feed from JetStream.
 *
 * First the feed's newest seq, from the stream leader (`last_by_subj`): nothing after `afterSeq` means
 * an empty answer in one round trip, without creating anything. Otherwise a short-lived consumer
 * filtered on the feed's subject, starting at `afterSeq + 1`, in memory on one server, without acks,
 * pulled in large batches. On a replicated stream that one server may be a follower a little behind
 * the leader (consumers are placed on any peer), so the consumer's own count of pending messages can
 * miss the newest ones: the read goes on until it has seen the head the leader named, which makes a
 * read see every append acknowledged before it. Expired messages are skipped and more are pulled, so a
 * short answer means the feed has no more.
 */
export async function replay(
  js: JetStreamClient,
  jsm: JetStreamManager,
  o: ResolvedOptions,
  feedId: string,
  afterSeq: number,
  limit: number,
): Promise<StoredMessage[]> {
  const subject = `${o.subjectPrefix}.${feedId}`;
  const newest = await jsm.streams.getMessage(o.readStream, { last_by_subj: subject });
  const head = newest?.seq ?? 0;
  if (head <= afterSeq) return [];
  return withReadConsumer(js, jsm, o, subject, afterSeq + 1, async (consumer) => {
    const out: StoredMessage[] = [];
    const prefixLength = o.subjectPrefix.length + 1;
    const now = o.now();
    let seen = afterSeq;
    while (seen < head && out.length < limit) {
      const want = Math.min(limit - out.length, PULL_BATCH);
      // Bounded: should retention remove the head meanwhile, the fetch ends at its expiry.
      const batch = await consumer.fetch({
        max_messages: want,
        expires: Math.max(1_000, o.requestTimeoutMs),
      });
      let received = 0;
      for await (const m of batch) {
        received++;
        seen = m.seq;
        const expiresAt = expiresAtOf(m);
        if (expiresAt === 0 || expiresAt > now) out.push(toStored(m, prefixLength, expiresAt));
        if (seen >= head || out.length >= limit) break;
      }
      if (received === 0) break;
    }
    return out;
  });
}

/**
 * `replay` for group commit: the same consumer and the same "until the leader's head" rule, in stream
 * seqs; `afterSeq` (a frame seq) maps to the group that may hold the next frame, whose frames up to
 * `afterSeq` are skipped. Pulls are sized in groups from the frames per group seen so far, so a small
 * `limit` does not fetch thousands of frames.
 */
export async function replayGroups(
  js: JetStreamClient,
  jsm: JetStreamManager,
  o: ResolvedOptions,
  feedId: string,
  afterSeq: number,
  limit: number,
): Promise<StoredMessage[]> {
  const subject = `${o.subjectPrefix}.${feedId}`;
  const newest = await jsm.streams.getMessage(o.readStream, { last_by_subj: subject });
  if (newest === null || newest === undefined) return [];
  const headCount = framesOf(newest.header);
  if (packSeq(newest.seq, headCount - 1) <= afterSeq) return [];
  return withReadConsumer(js, jsm, o, subject, replayStart(afterSeq), async (consumer) => {
    const out: StoredMessage[] = [];
    const prefixLength = o.subjectPrefix.length + 1;
    const now = o.now();
    let seen = 0;
    let groups = 1;
    let frames = headCount;
    while (seen < newest.seq && out.length < limit) {
      const perGroup = Math.max(1, frames / groups);
      const want = Math.min(PULL_BATCH, Math.max(1, Math.ceil((limit - out.length) / perGroup)));
      const batch = await consumer.fetch({
        max_messages: want,
        expires: Math.max(1_000, o.requestTimeoutMs),
      });
      let received = 0;
      for await (const m of batch) {
        received++;
        seen = m.seq;
        const group = storedGroup(m, prefixLength);
        groups++;
        frames += group.length;
        for (const s of group) {
          if (s.seq <= afterSeq) continue;
          if (s.expiresAt === 0 || s.expiresAt > now) out.push(s);
          if (out.length >= limit) break;
        }
        if (seen >= newest.seq || out.length >= limit) break;
      }
      if (received === 0) break;
    }
    return out;
  });
}

/**
 * A short-lived consumer for one read: filtered on the feed's subject from `startSeq`, in memory on one
 * server, without acks; deleted when `read` is done.
 */
async function withReadConsumer<T>(
  js: JetStreamClient,
  jsm: JetStreamManager,
  o: ResolvedOptions,
  subject: string,
  startSeq: number,
  read: (consumer: Consumer) => Promise<T>,
): Promise<T> {
  const ci = await jsm.consumers.add(o.readStream, {
    name: `tacread_${nuid.next()}`,
    filter_subject: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: startSeq,
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    // Cleans it up server-side should the delete below never arrive (client crash, lost connection).
    inactive_threshold: nanos(30_000),
  });
  try {
    return await read(js.consumers.getConsumerFromInfo(ci));
  } finally {
    jsm.consumers.delete(o.readStream, ci.name).catch(() => {});
  }
}
