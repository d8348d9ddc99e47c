import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server, Socket } from "node:net";
import { type Link, startLink } from "../helpers/link.ts";

// The link emulator the regions tests stand on: if it does not delay, keep order, cut and heal as it
// says, every cross-region figure built on it is wrong.

let echo: Server;
let echoPort = 0;

beforeAll(async () => {
  echo = createServer((s) => {
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

/** A client through the link that collects what comes back. */
async function dial(link: Link) {
  const s = new Socket();
  s.setNoDelay(true);
  let got = "";
  const waiters = new Set<() => void>();
  s.on("data", (d) => {
    got += d.toString();
    for (const w of waiters) w();
  });
  s.on("error", () => {});
  const closed = new Promise<void>((r) => s.on("close", () => r()));
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.connect(link.port, link.host, () => resolve());
  });
  const until = (pred: (text: string) => boolean, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!pred(got)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(got);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`link test: not seen within ${timeoutMs} ms (have ${JSON.stringify(got)})`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { s, until, text: () => got, closed };
}

describe("link emulator", () => {
  test("a round trip costs twice the one-way delay, and jitter never reorders bytes", async () => {
    const link = await startLink({
      target: { host: "127.0.0.1", port: echoPort },
      delayMs: 30,
      jitterMs: 20,
    });
    try {
      const c = await dial(link);
      const t0 = performance.now();
      c.s.write("ping\n");
      await c.until((t) => t.includes("ping\n"), 2000);
      const rtt = performance.now() - t0;
      expect(rtt).toBeGreaterThanOrEqual(60);
      expect(rtt).toBeLessThan(60 + 2 * 20 + 150);
      // 200 writes with jitter each: they come back in the order sent.
      const want = Array.from({ length: 200 }, (_, i) => `${i};`).join("");
      for (let i = 0; i < 200; i++) c.s.write(`${i};`);
      const all = await c.until((t) => t.length >= 5 + want.length, 3000);
      expect(all.slice(5)).toBe(want);
      c.s.destroy();
    } finally {
      await link.close();
    }
  });

  test("blackhole: nothing passes while cut, nothing fails either; heal delivers what was held, in order", async () => {
    const link = await startLink({ target: { host: "127.0.0.1", port: echoPort }, delayMs: 5 });
    try {
      const c = await dial(link);
      c.s.write("a");
      await c.until((t) => t === "a", 1000);
      link.partition();
      expect(link.cut).toBe(true);
      c.s.write("b");
      c.s.write("c");
      // The awaited event here is the absence of one: give the link far longer than its delay.
      await new Promise((r) => setTimeout(r, 150));
      expect(c.text()).toBe("a");
      expect(c.s.destroyed).toBe(false);
      link.heal();
      expect(await c.until((t) => t.length === 3, 1000)).toBe("abc");
      c.s.destroy();
    } finally {
      await link.close();
    }
  });

  test("reset: open connections are closed and new ones refused until healed", async () => {
    const link = await startLink({ target: { host: "127.0.0.1", port: echoPort }, delayMs: 5 });
    try {
      const c = await dial(link);
      link.partition("reset");
      await c.closed;
      expect(link.connections()).toBe(0);
      const refused = await dial(link);
      await refused.closed;
      link.heal();
      const d = await dial(link);
      d.s.write("back");
      expect(await d.until((t) => t === "back", 1000)).toBe("back");
      expect(link.bytes()).toBeGreaterThan(0);
      d.s.destroy();
    } finally {
      await link.close();
    }
  });
});
