import { describe, expect, test } from "bun:test";
import { messageIterator } from "../../src/client/iterator.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";

const m = (seq: number) => ({ seq }) as StreamMessage<number>;

function source() {
  let push: ((x: StreamMessage<number>) => void) | undefined;
  let end: (() => void) | undefined;
  let unsubscribed = 0;
  const it = messageIterator<number>(
    (p) => {
      push = p;
      return () => unsubscribed++;
    },
    (e) => {
      end = e;
      return () => {};
    },
  );
  return { it, push: (s: number) => push!(m(s)), end: () => end!(), unsubscribed: () => unsubscribed };
}

describe("messages() iterator", () => {
  test("yields queued and awaited messages in order; break unsubscribes", async () => {
    const s = source();
    s.push(1);
    s.push(2);
    const got: number[] = [];
    setTimeout(() => s.push(3), 5);
    for await (const x of s.it) {
      got.push(x.seq);
      if (got.length === 3) break;
    }
    expect(got).toEqual([1, 2, 3]);
    expect(s.unsubscribed()).toBe(1);
  });

  test("closing the client drains what is queued, then ends a waiting consumer", async () => {
    const s = source();
    s.push(1);
    s.end();
    expect(await s.it.next()).toEqual({ value: m(1), done: false });
    expect((await s.it.next()).done).toBe(true);
    const t = source();
    const waiting = t.it.next();
    t.end();
    expect((await waiting).done).toBe(true);
    expect(t.unsubscribed()).toBe(1);
  });
});
