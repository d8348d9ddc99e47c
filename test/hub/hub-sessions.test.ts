import { expect, test } from "bun:test";
import type { DeadlineClock } from "../../src/hub/deadline.ts";
import { Hub, type HubOptions } from "../../src/hub/hub.ts";
import { newSessionState, type Principal, type SessionState } from "../../src/hub/session.ts";
import type { HubSocket } from "../../src/hub/socket.ts";
import type { FeedPosition, Journal } from "../../src/journal/journal.ts";

/** A socket that records what the hub does to it, so a test awaits replies instead of sleeping. */
function fakeSocket(principal: Principal, initial?: SessionState["initial"]) {
  const sent: Array<Record<string, unknown>> = [];
  const topics = new Set<string>();
  const closes: number[] = [];
  let wake: (() => void) | undefined;
  const ws: HubSocket<SessionState> = {
    data: newSessionState({
      format: "json",
      principal,
      now: Date.now(),
      opsPerSecond: 50,
      ...(initial === undefined ? {} : { initial }),
    }),
    send(d) {
      sent.push(JSON.parse(String(d)) as Record<string, unknown>);
      wake?.();
      return 1;
    },
    subscribe: (t) => void topics.add(t),
    unsubscribe: (t) => void topics.delete(t),
    close: (code) => void closes.push(code ?? 1005),
    ping() {},
    getBufferedAmount: () => 0,
  };
  const until = async (pred: (m: Record<string, unknown>) => boolean) => {
    for (;;) {
      const m = sent.find(pred);
      if (m !== undefined) return m;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  };
  return { ws, sent, topics, closes, until };
}

const POS: FeedPosition = { epoch: "e1", head: 0, first: 1, last: 0 };
function journal(position: (feed: string) => Promise<FeedPosition> = async () => POS): Journal {
  return { position, tail: () => () => {}, read: async () => [] } as unknown as Journal;
}

function grants(feeds: string[], exp?: number): Principal {
  const p: Principal = { sub: "analyst", canSubscribe: (f) => feeds.includes(f) };
  if (exp !== undefined) p.exp = exp;
  return p;
}

function hub(extra: Partial<HubOptions> = {}): Hub {
  return new Hub({
    journal: journal(),
    heartbeatIntervalMs: 60_000,
    backpressureLimit: 1e9,
    opsPerSecond: 50,
    ...extra,
  });
}

function manualClock(): DeadlineClock & { fire(): void; armed: Set<unknown>; delays: number[] } {
  const armed = new Map<number, () => void>();
  const delays: number[] = [];
  let n = 0;
  return {
    now: Date.now,
    setTimer: (fn, ms) => {
      delays.push(ms);
      armed.set(++n, fn);
      return n;
    },
    clearTimer: (h) => void armed.delete(h as number),
    fire: () => {
      for (const [k, fn] of [...armed]) {
        armed.delete(k);
        fn();
      }
    },
    get armed() {
      return new Set(armed.keys());
    },
    delays,
  };
}

test("a refresh with narrower grants closes the subscriptions no longer granted", async () => {
  const next = { principal: grants(["a"]) };
  const h = hub({
    refresh: async (_token, state) => {
      state.principal = next.principal;
    },
  });
  const s = fakeSocket(grants(["a", "b"]));
  h.onOpen(s.ws);
  h.onMessage(s.ws, JSON.stringify({ op: "subscribe", id: 1, feeds: ["a", "b"] }));
  await s.until((m) => m.op === "subscribe");
  expect([...s.topics].some((t) => t.includes(":b:") || t.endsWith(":b") || t.includes("b"))).toBe(true);
  const before = [...s.topics];
  h.onMessage(s.ws, JSON.stringify({ op: "refresh", id: 2, token: "t" }));
  const reply = await s.until((m) => m.op === "refresh");
  const err = s.sent.find((m) => m.type === "error");
  expect(err).toMatchObject({ code: "FORBIDDEN", feedId: "b", id: 2 });
  expect(reply).toMatchObject({ revoked: ["b"] });
  expect([...s.ws.data.subs.keys()]).toEqual(["a"]);
  expect(s.topics.size).toBeLessThan(before.length);
  expect(s.topics.size).toBeGreaterThan(1); // heartbeat and feed a stay
});

test("a 30-day token does not close the socket; its timer never exceeds 2^31-1 ms", () => {
  const clock = manualClock();
  const h = hub({ timers: clock });
  const s = fakeSocket(grants(["a"], Date.now() + 30 * 86_400_000));
  h.onOpen(s.ws);
  expect(clock.delays.length).toBe(1);
  expect(Math.max(...clock.delays)).toBeLessThanOrEqual(2 ** 31 - 1);
  clock.fire(); // the first chunk elapses: still 5+ days to go
  expect(s.closes).toEqual([]);
});

test("refreshing to a token without exp disarms the old expiry", async () => {
  const clock = manualClock();
  const h = hub({
    timers: clock,
    refresh: async (_t, state) => {
      state.principal = grants(["a"]);
    },
  });
  const s = fakeSocket(grants(["a"], Date.now() + 1000));
  h.onOpen(s.ws);
  expect(clock.armed.size).toBe(1);
  h.onMessage(s.ws, JSON.stringify({ op: "refresh", id: 1, token: "t" }));
  await s.until((m) => m.op === "refresh");
  expect(clock.armed.size).toBe(0);
});

test("?feeds= on a stalled journal: the node stays up and the client gets a typed error", async () => {
  const errors: string[] = [];
  const h = hub({
    journal: journal(() => Promise.reject(new Error("nats: timeout"))),
    onError: (_e, where) => errors.push(where),
  });
  const s = fakeSocket(grants(["a"]), { feeds: ["a"], since: 3 });
  h.onOpen(s.ws);
  const err = await s.until((m) => m.type === "error");
  expect(err.code).toBe("INTERNAL");
  expect(errors.length).toBe(1);
});

test("a 400k-deep op is refused as BAD_JSON without parsing it", () => {
  const h = hub();
  const s = fakeSocket(grants(["a"]));
  h.onOpen(s.ws);
  h.onMessage(s.ws, `${"[".repeat(400_000)}${"]".repeat(400_000)}`);
  expect(s.sent[0]).toMatchObject({ type: "error", code: "BAD_JSON" });
  h.onMessage(s.ws, '{"op":"ping","id":1,"__proto__":{"x":1}}');
  expect(s.sent[1]).toMatchObject({ op: "pong", id: 1 });
});
