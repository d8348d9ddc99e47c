import type { ClientEvents, TacstreamClient } from "../../src/client/mod.ts";
import type { ConnectionStatus } from "../../src/client/state.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";
import { postMessages } from "../helpers/server.ts";

/** Resolves with the first event `event` of `client` that satisfies `pred`, or rejects after `timeoutMs`. */
export function nextEvent<K extends keyof ClientEvents>(
  client: TacstreamClient,
  event: K,
  pred: (e: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(event)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

export function status(client: TacstreamClient, s: ConnectionStatus, timeoutMs = 5000) {
  if (client.state.status === s) return Promise.resolve(client.state);
  return nextEvent(client, "state", (e) => e.status === s, timeoutMs);
}

/** Collects a feed's messages; `count(n)` resolves once `n` have arrived. */
export function collect(client: TacstreamClient, feedId: string, opts = {}) {
  const got: StreamMessage[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const off = client.subscribe(
    feedId,
    (m: StreamMessage) => {
      got.push(m);
      for (const w of waiters.filter((w) => got.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    opts,
  );
  const count = (n: number, timeoutMs = 10_000) =>
    got.length >= n
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const t = setTimeout(
            () => reject(new Error(`only ${got.length} of ${n} messages within ${timeoutMs} ms`)),
            timeoutMs,
          );
          waiters.push({
            n,
            resolve: () => {
              clearTimeout(t);
              resolve();
            },
          });
        });
  return { got, count, off };
}

/**
 * A publisher that keeps going through server deaths: each message has its own id and is retried with
 * that id until a 202 says it is durable (the journal de-duplicates a retry of a message it already holds).
 */
export async function publishUntilAcked(
  url: () => string,
  feedId: string,
  body: Record<string, unknown>,
  deadline: number,
): Promise<{ id: string; seq: number }> {
  const id = crypto.randomUUID();
  for (;;) {
    if (Date.now() > deadline) throw new Error(`message ${id} not acknowledged in time`);
    try {
      const res = await postMessages(url(), feedId, { ...body, id });
      if (res.status === 202) {
        const ack = (await res.json()) as { ids: string[]; seqs: number[] };
        return { id: ack.ids[0]!, seq: ack.seqs[0]! };
      }
      await res.body?.cancel();
    } catch {
      // Connection refused while the server restarts.
    }
    await Bun.sleep(20);
  }
}
