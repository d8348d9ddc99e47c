/**
 * A feed refused with RATE_LIMITED (the connection's replay budget spent, issue #18 item 4) is subscribed
 * again after the server's `retryAfter`, from where it stopped — as UNAVAILABLE already was. A fake
 * WebSocket and manual timers make it exact: nothing before the delay, one op after it.
 */
import { expect, test } from "bun:test";
import { connect } from "../../src/client/mod.ts";
import type { WebSocketLike } from "../../src/client/transport.ts";

type Listener = (ev: never) => void;

class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  binaryType = "";
  readyState = 0;
  readonly protocol = "tacstream.v1.json";
  readonly sent: Array<Record<string, unknown>> = [];
  readonly #listeners = new Map<string, Listener[]>();
  constructor(_url: string, _protocols?: string | string[]) {
    FakeSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.#emit("open", {});
    });
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  /** The server says something. */
  receive(msg: unknown): void {
    this.#emit("message", { data: JSON.stringify(msg) });
  }
  #emit(type: string, ev: unknown): void {
    for (const l of this.#listeners.get(type) ?? []) l(ev as never);
  }
}

function manualTimers() {
  let now = 0;
  const due: Array<{ at: number; fn: () => void; h: number }> = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      const h = next++;
      due.push({ at: now + ms, fn, h });
      return h;
    },
    clearTimeout(h: unknown) {
      const i = due.findIndex((d) => d.h === h);
      if (i >= 0) due.splice(i, 1);
    },
    advance(ms: number) {
      now += ms;
      for (const d of due.filter((x) => x.at <= now).sort((a, b) => a.at - b.at)) {
        due.splice(due.indexOf(d), 1);
        d.fn();
      }
    },
  };
}

test("RATE_LIMITED for a feed: subscribed again after retryAfter, from its cursor", async () => {
  const timers = manualTimers();
  const c = connect({ url: "ws://fake", WebSocket: FakeSocket, timers });
  try {
    c.subscribe("a", () => {});
    // The fake opens in a microtask; the client subscribes on open.
    for (let i = 0; i < 10 && (FakeSocket.last?.sent.length ?? 0) === 0; i++)
      await new Promise((r) => setImmediate(r));
    const ws = FakeSocket.last!;
    const first = ws.sent.find((o) => o.op === "subscribe")!;
    expect(first).toBeDefined();
    ws.receive({
      type: "metadata",
      op: "subscribe",
      id: first.id,
      feeds: { a: { epoch: "e1", head: 7, last: 9, recovered: false } },
    });
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    ws.receive({
      type: "error",
      code: "RATE_LIMITED",
      message: "replay budget spent",
      feedId: "a",
      retryAfter: 2,
    });
    expect(errors).toEqual(["RATE_LIMITED"]);
    const before = ws.sent.length;
    timers.advance(1999);
    expect(ws.sent.length).toBe(before);
    timers.advance(1);
    const again = ws.sent.slice(before).filter((o) => o.op === "subscribe");
    expect(again.length).toBe(1);
    expect(again[0]).toMatchObject({ feeds: ["a"], since: { a: 9 }, epoch: { a: "e1" } });
  } finally {
    c.close();
  }
});
