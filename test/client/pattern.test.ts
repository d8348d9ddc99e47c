import { afterAll, describe, expect, test } from "bun:test";
import { connect } from "../../src/client/mod.ts";
import { patternMatcher } from "../../src/client/registry.ts";
import type { TacError } from "../../src/protocol/errors.ts";
import { freePort } from "../helpers/nats.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { collect, nextEvent } from "./support.ts";

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function post(url: string, feedId: string, n: number, from = 0): Promise<number[]> {
  const res = await postMessages(
    url,
    feedId,
    Array.from({ length: n }, (_, i) => threat(from + i)),
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as { seqs: number[] }).seqs;
}

describe("pattern subscriptions in the SDK", () => {
  test("the grant grammar, checked before anything is sent", () => {
    expect(patternMatcher("*")!("anything")).toBe(true);
    expect(patternMatcher("intel.*")!("intel.kev")).toBe(true);
    expect(patternMatcher("intel.*")!("intel")).toBe(false);
    expect(patternMatcher("intel.*")!("intelx.kev")).toBe(false);
    for (const bad of ["thr*", "*.kev", "intel.*.x", "**", "Intel.*"])
      expect(patternMatcher(bad)).toBeUndefined();
    const c = connect({ url: "ws://127.0.0.1:9", maxReconnectAttempts: 0 });
    cleanup.push(() => c.close());
    try {
      c.subscribe("thr*", () => {});
      throw new Error("accepted");
    } catch (err) {
      expect((err as TacError).code).toBe("BAD_PATTERN");
    }
  });

  test("resume per feed from saved positions, feeds created later, exactly once across a restart", async () => {
    const port = await freePort();
    const env = { PORT: String(port), HEARTBEAT_INTERVAL_MS: "60000" };
    let srv: ServerProcess = await startServer(env);
    cleanup.push(() => srv.stop());
    const a = await post(srv.url, "intel.a", 4);
    const b = await post(srv.url, "intel.b", 2);
    await post(srv.url, "edr.x", 2);
    const { epoch } = (await (await fetch(`${srv.url}/v1/feeds`)).json()) as { epoch: string };
    const c = connect({ url: `ws://127.0.0.1:${port}`, backoff: { minMs: 20, maxMs: 250 } });
    cleanup.push(() => c.close());
    // intel.a resumes after its second message, intel.b from its start; edr.x is outside the pattern.
    const sub = collect(c, "intel.*", {
      positions: {
        "intel.a": { seq: a[1]!, epoch },
        "intel.b": { seq: 0, epoch },
        "edr.x": { seq: 0, epoch },
      },
    });
    await sub.count(4);
    expect(new Set(sub.got.map((m) => m.seq))).toEqual(new Set([a[2]!, a[3]!, b[0]!, b[1]!]));
    // A feed that did not exist when the pattern was subscribed.
    const joined = nextEvent(c, "subscribed", (e) => e.feedId === "intel.new");
    const n = await post(srv.url, "intel.new", 1);
    await joined;
    await sub.count(5);
    expect(sub.got.at(-1)!.seq).toBe(n[0]!);
    expect(c.position("intel.new")).toEqual({ seq: n[0]!, epoch });

    // Restart the server; messages posted while the client is away come once each, per feed in order.
    const down = nextEvent(c, "state", (s) => s.status === "disconnected");
    await srv.stop({ keepData: true });
    await down;
    srv = await startServer(env, { dataDir: srv.dataDir });
    const more = [...(await post(srv.url, "intel.a", 2, 10)), ...(await post(srv.url, "intel.new", 2, 10))];
    await sub.count(9, 15_000);
    const seqs = sub.got.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.slice(5).sort((x, y) => x - y)).toEqual(more);
    for (const feed of ["intel.a", "intel.b", "intel.new"]) {
      const mine = sub.got.filter((m) => m.feedId === feed).map((m) => m.seq);
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    expect(sub.got.some((m) => m.feedId === "edr.x")).toBe(false);
    // Unsubscribing the pattern stops every feed it brought in.
    sub.off();
    const probe = collect(c, "edr.x");
    await nextEvent(c, "subscribed", (e) => e.feedId === "edr.x");
    await post(srv.url, "intel.a", 1, 20);
    const [last] = await post(srv.url, "edr.x", 1, 20);
    await probe.count(1);
    expect(probe.got[0]!.seq).toBe(last!);
    expect(sub.got).toHaveLength(9);
  }, 60_000);
});
