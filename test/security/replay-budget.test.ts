/**
 * Issue #18, item 4: a `since=0` subscribe is one op for the client and a whole-feed read for the node.
 * Many connections each sending many of them on a feed with a lot of data must pull no more bytes than
 * their per-connection replay budget (burst + rate × time), from the journal and from the recent cache.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeadlineClock } from "../../src/hub/deadline.ts";
import { Hub, type HubOptions } from "../../src/hub/hub.ts";
import { newSessionState, type SessionState } from "../../src/hub/session.ts";
import type { HubSocket } from "../../src/hub/socket.ts";
import { EmbeddedJournal } from "../../src/journal/embedded/mod.ts";
import type { Journal, StoredMessage } from "../../src/journal/journal.ts";
import { makeEntry } from "../journal/entries.ts";

const MESSAGES = 3000;
const BURST = 64 * 1024;
const RATE = 32 * 1024;

/** A clock that moves only when told, and timers that fire only when it reaches them. */
function manualClock(start: number): DeadlineClock & { advance(ms: number): void } {
  let t = start;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  return {
    now: () => t,
    setTimer(fn, ms) {
      const h = next++;
      timers.set(h, { at: t + ms, fn });
      return h;
    },
    clearTimer: (h) => void timers.delete(h as number),
    advance(ms) {
      t += ms;
      for (const [h, x] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (x.at > t) continue;
        timers.delete(h);
        x.fn();
      }
    },
  };
}

/** Counts the journal calls in flight, so the test can wait until every replay has settled. */
function counting(journal: Journal): { journal: Journal; busy: () => boolean; readBytes: () => number } {
  let inFlight = 0;
  let readBytes = 0;
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight++;
    return p.finally(() => inFlight--);
  };
  const wrapped = Object.create(journal) as Journal;
  wrapped.read = async (f: string, s: number, n: number) => {
    const page = await track(journal.read(f, s, n));
    for (const m of page) readBytes += m.frame.byteLength;
    return page;
  };
  wrapped.position = (f: string) => track(journal.position(f));
  wrapped.tail = (fn: (b: readonly StoredMessage[]) => void) => journal.tail(fn);
  return { journal: wrapped, busy: () => inFlight > 0, readBytes: () => readBytes };
}

/** Turns of the event loop until nothing of the hub is waiting on the journal (timers never fire here). */
async function settled(busy: () => boolean): Promise<void> {
  for (let quiet = 0; quiet < 5; ) {
    await new Promise((r) => setImmediate(r));
    quiet = busy() ? 0 : quiet + 1;
  }
}

interface Conn {
  ws: HubSocket<SessionState>;
  bytes: number;
  frames: number;
  texts: string[];
}

function connection(now: number): Conn {
  const c: Conn = {
    bytes: 0,
    frames: 0,
    texts: [],
    ws: {
      data: newSessionState({ format: "binary", now, opsPerSecond: 50 }),
      send: (d) => {
        if (typeof d === "string") c.texts.push(d);
        else {
          c.bytes += d.byteLength;
          c.frames++;
        }
        return 1;
      },
      subscribe: () => {},
      unsubscribe: () => {},
      close: () => {},
      ping: () => {},
      // Always drained: only the replay budget can hold a replay back.
      getBufferedAmount: () => 0,
    },
  };
  return c;
}

let frameBytes = 0;

async function fill(journal: Journal): Promise<void> {
  for (let i = 0; i < MESSAGES; i += 500) {
    const batch = Array.from({ length: 500 }, () => makeEntry("big", { payload: { pad: "x".repeat(200) } }));
    frameBytes = Math.max(frameBytes, ...batch.map((e) => e.frame.byteLength));
    await journal.append(batch);
  }
}

/**
 * A hub on a fresh journal of MESSAGES messages of feed "big". With a cache, the hub is started first and
 * the messages fanned out through it, so they are all in the recent cache (as on a node that was up).
 */
async function withHub(
  recentBytes: number,
  fn: (
    hub: Hub,
    clock: ReturnType<typeof manualClock>,
    busy: () => boolean,
    readBytes: () => number,
  ) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-replay-budget-"));
  const journal = new EmbeddedJournal({ dir });
  await journal.open();
  const clock = manualClock(1_000_000);
  const counted = counting(journal);
  const opts: HubOptions = {
    journal: counted.journal,
    heartbeatIntervalMs: 600_000,
    backpressureLimit: 8 * 1024 * 1024,
    opsPerSecond: 50,
    recentBytes,
    replayBytesPerSecond: RATE,
    replayBurstBytes: BURST,
    now: clock.now,
    timers: clock,
  };
  const hub = new Hub(opts);
  try {
    if (recentBytes === 0) await fill(journal);
    await hub.start({ publish: () => {}, subscriberCount: () => 0 });
    if (recentBytes > 0) {
      await fill(journal);
      for (let i = 0; hub.processed < MESSAGES && i < 10_000; i++) await new Promise((r) => setImmediate(r));
      expect(hub.recent.floor).toBe(0);
    }
    const before = counted.readBytes();
    await fn(hub, clock, counted.busy, () => counted.readBytes() - before);
  } finally {
    hub.stop(1001, "test");
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const subscribe = JSON.stringify({ op: "subscribe", feeds: ["big"], since: 0 });

describe("replay budget: many connections × many since=0 subscribes", () => {
  for (const [label, recentBytes] of [
    ["from the journal (cache off)", 0],
    ["from the recent cache", 64 * 1024 * 1024],
  ] as const) {
    test(`${label}: bytes pulled stay within connections × (burst + one frame)`, async () => {
      await withHub(recentBytes, async (hub, clock, busy, readBytes) => {
        const conns = Array.from({ length: 20 }, () => connection(clock.now()));
        for (const c of conns) hub.onOpen(c.ws);
        for (let i = 0; i < 20; i++) for (const c of conns) hub.onMessage(c.ws, subscribe);
        await settled(busy);
        const feedBytes = MESSAGES * frameBytes;
        expect(feedBytes).toBeGreaterThan(10 * BURST);
        for (const c of conns) expect(c.bytes).toBeLessThanOrEqual(BURST + frameBytes);
        const total = conns.reduce((s, c) => s + c.bytes, 0);
        expect(total).toBeLessThanOrEqual(conns.length * (BURST + frameBytes));
        // What the node read from the journal for them is bounded the same way (a page of a replay that
        // was superseded while it waited for its turn is never read).
        expect(readBytes()).toBeLessThanOrEqual(conns.length * 2 * (BURST + frameBytes));
        // Each connection was served its burst (the budget is not a refusal of all replays)…
        for (const c of conns) expect(c.bytes).toBeGreaterThanOrEqual(BURST - frameBytes);
        // …and a subscribe asking for more while it is spent is refused, typed, with a retryAfter.
        for (const c of conns) hub.onMessage(c.ws, subscribe);
        await settled(busy);
        for (const c of conns) {
          expect(c.bytes).toBeLessThanOrEqual(BURST + frameBytes);
          const refusal = c.texts.find((t) => t.includes("RATE_LIMITED"));
          expect(refusal).toBeDefined();
          const e = JSON.parse(refusal!) as { feedId?: string; retryAfter?: number };
          expect(e.feedId).toBe("big");
          expect(e.retryAfter).toBeGreaterThanOrEqual(1);
        }
        for (const c of conns) hub.onClose(c.ws);
      });
    });
  }

  test("a minPriority that skips the whole feed is charged for what it reads: the journal reads stay bounded", async () => {
    await withHub(0, async (hub, clock, busy, readBytes) => {
      const conns = Array.from({ length: 20 }, () => connection(clock.now()));
      const op = JSON.stringify({ op: "subscribe", feeds: ["big"], since: 0, minPriority: "critical" });
      for (const c of conns) {
        hub.onOpen(c.ws);
        hub.onMessage(c.ws, op);
      }
      await settled(busy);
      // Nothing matches: nothing is sent, yet without the charge for skipped messages every connection
      // would have made the node read the whole feed.
      for (const c of conns) expect(c.frames).toBe(0);
      expect(readBytes()).toBeLessThanOrEqual(conns.length * (BURST + 64 * frameBytes));
      for (const c of conns) hub.onClose(c.ws);
    });
  });

  test("a replay past its burst continues at the budget's rate, and delivers the whole feed", async () => {
    await withHub(0, async (hub, clock, busy) => {
      const c = connection(clock.now());
      hub.onOpen(c.ws);
      hub.onMessage(c.ws, subscribe);
      await settled(busy);
      expect(c.bytes).toBeLessThanOrEqual(BURST + frameBytes);
      let seconds = 0;
      while (c.frames < MESSAGES && seconds < 100) {
        clock.advance(1000);
        seconds++;
        await settled(busy);
        expect(c.bytes).toBeLessThanOrEqual(BURST + seconds * RATE + frameBytes);
      }
      expect(c.frames).toBe(MESSAGES);
      expect(c.texts.some((t) => t.includes("RATE_LIMITED"))).toBe(false);
      hub.onClose(c.ws);
    });
  });
});
