import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type GapEvent } from "../../src/client/mod.ts";
import type { StreamMessage } from "../../src/protocol/message.ts";
import { collect, nextEvent, publishUntilAcked } from "../client/support.ts";
import { startWorld, type World } from "../helpers/regions.ts";
import { postMessages, threat } from "../helpers/server.ts";

/**
 * Issue 17's faults on the shipped topology (primary iad + mirrors in ams and sin, delays ÷ 4): the
 * primary region partitioned and healed, a region's NATS killed, a region's tacstream node killed. Each
 * says what the user sees, and each ends with the same proof: every acknowledged message once in every
 * region, with the same seq everywhere.
 */
let world: World;

type Acked = { id: string; seq: number };

/** The whole feed as each region's replay shows it: id → seq. */
async function stored(region: string, feed: string): Promise<Map<string, number>> {
  const res = await fetch(`${world.region(region).node.url}/v1/feeds/${feed}/messages?since=0&limit=5000`);
  expect(res.status).toBe(200);
  const page = (await res.json()) as { messages: Array<{ id: string; seq: number }> };
  const ids = page.messages.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length);
  return new Map(page.messages.map((m) => [m.id, m.seq]));
}

async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

/** Every acked id is stored once in every region with the seq its 202 gave. */
async function expectEverywhere(feed: string, acked: Acked[]) {
  for (const r of world.regions) {
    await until(async () => (await stored(r.name, feed)).size >= acked.length, `${r.name} caught up`);
    const s = await stored(r.name, feed);
    expect(acked.filter((a) => s.get(a.id) !== a.seq)).toEqual([]);
  }
}

function expectOnceInOrder(got: StreamMessage[], acked: Acked[]) {
  const ids = got.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length);
  const seqs = got.map((m) => m.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect([...acked].sort((a, b) => a.seq - b.seq).map((a) => a.id)).toEqual(ids);
}

const post = async (region: string, feed: string, id: string, i: number) =>
  postMessages(world.region(region).node.url, feed, [{ ...threat(i), id }]);

// Both JetStream modes: group commit with mirrors (the one-vCPU setting) had no test before issue 15.
for (const [mode, env] of [
  ["publish per message", {}],
  ["group commit", { NATS_GROUP_COMMIT: "true" }],
] as const) {
  describe(`regions: faults on primary + mirrors (${mode})`, () => {
    beforeAll(async () => {
      world = await startWorld({
        topology: "mirrors",
        scale: 0.25,
        env: { HEARTBEAT_INTERVAL_MS: "60000", ...env },
      });
    });
    afterAll(async () => {
      await world?.stop();
    });

    test("primary cut off: it keeps writing, other regions refuse writes (503) and keep serving reads; heal: all converge", async () => {
      const feed = "partition";
      const acked: Acked[] = [];
      const ack = async (region: string, i: number, id = crypto.randomUUID()) => {
        const res = await post(region, feed, id, i);
        expect(res.status).toBe(202);
        const body = (await res.json()) as { seqs: number[] };
        acked.push({ id, seq: body.seqs[0]! });
      };
      for (let i = 0; i < 10; i++) await ack("iad", i);
      for (let i = 10; i < 20; i++) await ack("ams", i);
      await expectEverywhere(feed, acked);

      world.isolate("iad");
      // The primary region alone still takes writes: its stream is local.
      for (let i = 20; i < 30; i++) await ack("iad", i);
      // Elsewhere a write cannot reach the stream: refused with a typed, retryable error, in bounded time.
      const refusedId = crypto.randomUUID();
      const t0 = performance.now();
      const refused = await post("ams", feed, refusedId, 99);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).not.toBeNull();
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
      expect(performance.now() - t0).toBeLessThan(15_000);
      // Reads stay local: sin replays what its mirror held before the cut, at once.
      const r0 = performance.now();
      const before = await stored("sin", feed);
      expect(performance.now() - r0).toBeLessThan(1000);
      expect(acked.slice(0, 20).every((a) => before.get(a.id) === a.seq)).toBe(true);
      // Nothing written in iad during the cut has reached sin.
      expect(acked.slice(20).some((a) => before.has(a.id))).toBe(false);

      world.heal("iad");
      // The refused message, retried with its id: stored once even if the held copy got through.
      await until(async () => {
        const res = await post("ams", feed, refusedId, 99);
        if (res.status !== 202) return false;
        acked.push({ id: refusedId, seq: ((await res.json()) as { seqs: number[] }).seqs[0]! });
        return true;
      }, "ams takes writes after the heal");
      await expectEverywhere(feed, acked);
    }, 60_000);

    test("a region's NATS killed: its node is unready and refuses writes, the others go on; restarted: it catches up", async () => {
      const feed = "natskill";
      const ams = world.region("ams");
      const acked: Acked[] = [];
      const deadline = Date.now() + 40_000;
      for (let i = 0; i < 10; i++)
        acked.push(await publishUntilAcked(() => ams.node.url, feed, threat(i), deadline));
      await ams.nats.kill("SIGKILL");
      await until(async () => (await fetch(`${ams.node.url}/ready`)).status === 503, "ams unready");
      const res = await post("ams", feed, crypto.randomUUID(), 50);
      expect(res.status).toBe(503);
      await res.body?.cancel();
      // iad and sin are untouched.
      for (let i = 10; i < 20; i++)
        acked.push(await publishUntilAcked(() => world.region("sin").node.url, feed, threat(i), deadline));
      await ams.nats.restart();
      await until(async () => (await fetch(`${ams.node.url}/ready`)).status === 200, "ams ready again");
      await expectEverywhere(feed, acked);
    }, 60_000);

    test("a region's tacstream node killed: a client given its region and the next resumes there, no gap, no duplicate", async () => {
      const feed = "nodekill";
      const ams = world.region("ams");
      const sin = world.region("sin");
      const c = connect({ url: [`${ams.node.wsUrl}`, `${sin.node.wsUrl}`] });
      try {
        const gaps: GapEvent[] = [];
        c.on("gap", (g) => gaps.push(g));
        const sub = collect(c, feed);
        await nextEvent(c, "subscribed", (e) => e.feedId === feed, 15_000);
        const acked: Acked[] = [];
        let publishing = true;
        const deadline = Date.now() + 40_000;
        // Writes go to the primary's node, as a publisher outside the lost region would.
        const publisher = (async () => {
          for (let i = 0; publishing; i++) {
            acked.push(
              await publishUntilAcked(() => world.region("iad").node.url, feed, threat(i), deadline),
            );
            await Bun.sleep(5);
          }
        })();
        await sub.count(30, 15_000);
        const moved = nextEvent(c, "state", (s) => s.status === "connected" && s.urlIndex === 1, 15_000);
        await ams.node.kill("SIGKILL");
        await moved;
        const atMove = acked.length;
        await until(() => acked.length > atMove + 30, "acks after the move");
        publishing = false;
        await publisher;
        await sub.count(acked.length, 20_000);
        expect(gaps).toEqual([]);
        expectOnceInOrder(sub.got, acked);
      } finally {
        c.close();
        await world.restartNode("ams");
      }
    }, 60_000);
  });
}
