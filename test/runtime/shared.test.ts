import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/observability/log.ts";
import { Drain, TopicSets } from "../../src/runtime/shared.ts";

describe("TopicSets", () => {
  test("members per topic; removeAll leaves every topic and drops empty ones", () => {
    const t = new TopicSets<string>();
    t.add("a", "x");
    t.add("a", "y");
    t.add("b", "x");
    t.add("b", "x");
    expect(t.count("x")).toBe(2);
    expect([...(t.members("y") ?? [])]).toEqual(["a"]);
    t.remove("b", "x");
    expect(t.count("x")).toBe(1);
    t.removeAll("a");
    expect(t.count("x")).toBe(0);
    expect(t.members("x")).toBeUndefined();
    expect(t.members("y")).toBeUndefined();
    t.removeAll("nobody");
  });
});

describe("Drain.wrap", () => {
  const lines: string[] = [];
  const drain = new Drain({ timeoutMs: 1000, log: createLogger("info", (l) => lines.push(l)) });

  test("passes requests through and counts those in flight", async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const fetch = drain.wrap(async (req: Request) => {
      await gate;
      return new Response(new URL(req.url).pathname);
    });
    const pending = fetch(new Request("http://x/v1/feeds/a/messages"));
    expect(drain.inflight).toBe(1);
    release();
    expect(await (await pending).text()).toBe("/v1/feeds/a/messages");
    expect(drain.inflight).toBe(0);
  });

  test("a failing handler still leaves the in-flight count", async () => {
    const fetch = drain.wrap(async () => {
      throw new Error("boom");
    });
    await expect(fetch(new Request("http://x/health"))).rejects.toThrow("boom");
    expect(drain.inflight).toBe(0);
  });
});
