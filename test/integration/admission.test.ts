import { expect, test } from "bun:test";
import { postMessages, startServer, threat } from "../helpers/server.ts";

/** The k8s liveness probe's timeout (deploy/): /health must answer within it while ingest is overloaded. */
const PROBE_TIMEOUT_MS = 1000;
const MAX_IN_FLIGHT = 8;
const OFFERED = 2000;
const CLIENTS = 200;

test("ingest far over INGEST_MAX_IN_FLIGHT: some 503 + Retry-After, every 202 durable, /health fast", async () => {
  const srv = await startServer({ INGEST_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) });
  try {
    const healthMs: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        const res = await fetch(`${srv.url}/health`);
        await res.arrayBuffer();
        healthMs.push(performance.now() - t0);
        expect(res.status).toBe(200);
      }
    })();
    // 200 clients at once, 25 times the limit, 2000 requests in all: enough to overload, bounded so the
    // test process itself (which also times /health) is not what is slow.
    const results: Array<{
      status: number;
      retryAfter: string | null;
      body: { ids?: string[]; error?: { code: string } };
    }> = [];
    let next = 0;
    const client = async () => {
      while (next < OFFERED) {
        const i = next++;
        const res = await postMessages(
          srv.url,
          "overload",
          Array.from({ length: 5 }, (_, k) => threat(i * 5 + k)),
        );
        const body = (await res.json()) as { ids?: string[]; error?: { code: string } };
        results.push({ status: res.status, retryAfter: res.headers.get("retry-after"), body });
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    done = true;
    await probe;
    const refused = results.filter((r) => r.status === 503);
    const accepted = results.filter((r) => r.status === 202);
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length + refused.length).toBe(OFFERED);
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.body.error?.code).toBe("UNAVAILABLE");
    }
    expect(healthMs.length).toBeGreaterThan(0);
    expect(Math.max(...healthMs)).toBeLessThan(PROBE_TIMEOUT_MS);

    const stored = new Set<string>();
    for (let since = 0; ; ) {
      const res = await fetch(`${srv.url}/v1/feeds/overload/messages?since=${since}&limit=10000`);
      const page = (await res.json()) as { messages: Array<{ id: string }>; next: number };
      for (const m of page.messages) stored.add(m.id);
      if (page.messages.length === 0) break;
      since = page.next;
    }
    const ackedIds = accepted.flatMap((r) => r.body.ids ?? []);
    expect(ackedIds.filter((id) => !stored.has(id))).toEqual([]);
  } finally {
    await srv.stop();
  }
}, 60_000);
