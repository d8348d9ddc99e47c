import { describe, expect, test } from "bun:test";
import { nextAttempt } from "../../src/client/failover.ts";
import { connect, ErrorCode, TacError } from "../../src/client/mod.ts";
import type { StreamConnection } from "../../src/client/state.ts";
import type { Timers } from "../../src/client/watchdog.ts";
import { freePort, freePorts } from "../helpers/nats.ts";
import { nextEvent } from "./support.ts";

const B = { minMs: 500, maxMs: 20_000 };
const top = () => 0.999_999_999;
const zero = () => 0;

describe("nextAttempt: the URL rotation policy (pure)", () => {
  test("one URL: every failure is a full cycle, so it is the plain backoff on the same URL", () => {
    expect([1, 2, 3, 4, 7].map((f) => nextAttempt(0, 1, f, B, top))).toEqual([
      { index: 0, delayMs: 1000 },
      { index: 0, delayMs: 1500 },
      { index: 0, delayMs: 2500 },
      { index: 0, delayMs: 4500 },
      { index: 0, delayMs: 20_000 },
    ]);
    expect(nextAttempt(0, 1, 1, B, zero)).toEqual({ index: 0, delayMs: 500 });
  });

  test("three URLs: round-robin from the one that failed; hops inside a cycle wait at most minMs", () => {
    // Lost on URL 1, then every region down: 2, 0 are hops; back on 1 the first backoff step; and so on.
    const seq = [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce<Array<{ index: number; delayMs: number }>>((acc, f) => {
      const from = acc.at(-1)?.index ?? 1;
      acc.push(nextAttempt(from, 3, f, B, top));
      return acc;
    }, []);
    expect(seq).toEqual([
      { index: 2, delayMs: 500 },
      { index: 0, delayMs: 500 },
      { index: 1, delayMs: 1000 },
      { index: 2, delayMs: 500 },
      { index: 0, delayMs: 500 },
      { index: 1, delayMs: 1500 },
      { index: 2, delayMs: 500 },
      { index: 0, delayMs: 500 },
      { index: 1, delayMs: 2500 },
    ]);
  });

  test("a hop to another region can be immediate; the jitter spreads a crowd over [0, minMs]", () => {
    expect(nextAttempt(0, 2, 1, B, zero)).toEqual({ index: 1, delayMs: 0 });
    expect(nextAttempt(0, 2, 1, B, () => 0.5)).toEqual({ index: 1, delayMs: 250 });
    // A full cycle never goes below minMs: a crowd that lost every region does not retry in a burst.
    expect(nextAttempt(1, 2, 2, B, zero)).toEqual({ index: 0, delayMs: 500 });
  });

  test("one round of attempts per backoff delay, whatever the number of URLs", () => {
    // With random → 1 the delays are deterministic; the time spent over 4 full cycles grows like one URL's.
    const total = (count: number) => {
      let sum = 0;
      let index = 0;
      for (let f = 1; f <= 4 * count; f++) {
        const n = nextAttempt(index, count, f, B, top);
        index = n.index;
        if (f % count === 0) sum += n.delayMs;
      }
      return sum;
    };
    expect(total(1)).toBe(1000 + 1500 + 2500 + 4500);
    expect(total(4)).toBe(total(1));
  });
});

describe("url option validation", () => {
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return err instanceof TacError ? { code: err.code, path: err.path } : err;
    }
    return undefined;
  };
  test("an empty list, a bad entry, a bad type: VALIDATION with the entry's path", () => {
    expect(codeOf(() => connect({ url: [] }))).toEqual({ code: ErrorCode.Validation, path: "url" });
    expect(codeOf(() => connect({ url: ["ws://127.0.0.1:1", "not a url"] }))).toEqual({
      code: ErrorCode.Validation,
      path: "url[1]",
    });
    expect(codeOf(() => connect({ url: ["ws://127.0.0.1:1", "ftp://h/"] }))).toEqual({
      code: ErrorCode.Validation,
      path: "url[1]",
    });
    expect(codeOf(() => connect({ url: [42 as unknown as string] }))).toEqual({
      code: ErrorCode.Validation,
      path: "url[0]",
    });
    expect(codeOf(() => connect({ url: "::" }))).toEqual({ code: ErrorCode.Validation, path: "url" });
    expect(codeOf(() => connect({ url: 7 as unknown as string }))).toEqual({
      code: ErrorCode.Validation,
      path: "url",
    });
  });

  test("connectTimeoutMs must be ≥ 0", () => {
    expect(codeOf(() => connect({ url: "ws://127.0.0.1:1", connectTimeoutMs: -1 }))).toEqual({
      code: ErrorCode.Validation,
      path: "connectTimeoutMs",
    });
  });

  test("a bad entry's value is not echoed: it may hold a token", () => {
    try {
      connect({ url: ["ftp://h/?token=secret"] });
      throw new Error("accepted");
    } catch (err) {
      expect((err as Error).message).not.toContain("secret");
    }
  });
});

/** Timers run by hand: a reconnect happens when the test says so, and its delay is what was asked. */
function manualTimers() {
  const pending: Array<{ fn: () => void; ms: number; handle: number }> = [];
  let next = 1;
  const timers: Timers = {
    now: () => 0,
    setTimeout(fn, ms) {
      const handle = next++;
      pending.push({ fn, ms, handle });
      return handle;
    },
    clearTimeout(h) {
      const i = pending.findIndex((p) => p.handle === h);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  return {
    timers,
    /** Runs the one pending reconnect timer and returns its delay. */
    fire(): number {
      expect(pending.length).toBe(1);
      const p = pending.shift()!;
      p.fn();
      return p.ms;
    },
  };
}

describe("the client rotates through real, closed ports", () => {
  test("each failed connect moves on; the state names the URL and its index; a full cycle backs off", async () => {
    const ports = await freePorts(3);
    const urls = ports.map((p) => `ws://127.0.0.1:${p}`);
    const clock = manualTimers();
    const c = connect({ url: urls, timers: clock.timers, random: top, heartbeatTimeoutMs: 0, backoff: B });
    // The first attempt starts inside connect(), before a listener can be added.
    const states: StreamConnection[] = [c.state];
    c.on("state", (s) => states.push(s));
    let down = nextEvent(c, "state", (x) => x.status === "disconnected");
    const attempts: Array<{ url: string; urlIndex: number; delay: number }> = [];
    for (let i = 0; i < 7; i++) {
      const s = await (c.state.status === "disconnected" ? c.state : down);
      const connecting = states.findLast((x) => x.status === "connecting")!;
      attempts.push({ url: connecting.url, urlIndex: connecting.urlIndex, delay: s.reconnectDelay });
      down = nextEvent(c, "state", (x) => x.status === "disconnected");
      clock.fire();
    }
    c.close();
    expect(attempts).toEqual([
      { url: `${urls[0]}/v1/stream`, urlIndex: 0, delay: 500 },
      { url: `${urls[1]}/v1/stream`, urlIndex: 1, delay: 500 },
      { url: `${urls[2]}/v1/stream`, urlIndex: 2, delay: 1000 },
      { url: `${urls[0]}/v1/stream`, urlIndex: 0, delay: 500 },
      { url: `${urls[1]}/v1/stream`, urlIndex: 1, delay: 500 },
      { url: `${urls[2]}/v1/stream`, urlIndex: 2, delay: 1500 },
      { url: `${urls[0]}/v1/stream`, urlIndex: 0, delay: 500 },
    ]);
  });
});

describe("a node that accepts and drops at once is backed off from", () => {
  test("opens that end before the server sent anything do not reset the rotation's failure count", async () => {
    // A real WebSocket server that closes every connection as soon as it opens.
    const flappy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req, server) {
        return server.upgrade(req, { headers: { "sec-websocket-protocol": "tacstream.v1.json" } })
          ? undefined
          : new Response("upgrade", { status: 426 });
      },
      websocket: {
        open(ws) {
          ws.close(1011, "going down");
        },
        message() {},
      },
    });
    try {
      const closed = `ws://127.0.0.1:${await freePort()}`;
      const clock = manualTimers();
      const c = connect({
        url: [`ws://127.0.0.1:${flappy.port}`, closed],
        timers: clock.timers,
        random: top,
        heartbeatTimeoutMs: 0,
        backoff: B,
      });
      const opened: number[] = [];
      c.on("state", (s) => {
        if (s.status === "connected") opened.push(s.urlIndex);
      });
      const delays: number[] = [];
      let down = nextEvent(c, "state", (x) => x.status === "disconnected");
      for (let i = 0; i < 6; i++) {
        delays.push((await down).reconnectDelay);
        down = nextEvent(c, "state", (x) => x.status === "disconnected");
        clock.fire();
      }
      await down;
      c.close();
      // Every visit to the flapping node opened, yet the full-cycle delays still grow.
      expect(opened).toEqual([0, 0, 0, 0]);
      expect(delays).toEqual([500, 1000, 500, 1500, 500, 2500]);
    } finally {
      flappy.stop(true);
    }
  });
});
