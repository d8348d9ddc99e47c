import { newHistogram, type Percentiles, percentiles } from "./hdr.ts";
import { epochNow } from "./load.ts";

/**
 * How long the server's event loop is held up: GET /health at a fixed interval during a run, each
 * latency taken from its intended send time. The handler does no I/O, so its latency is the time the
 * request waited for the loop — an fsync on the loop shows here whatever the fan-out does.
 */
export function startLoopProbe(url: string, intervalMs = 5): { stop(): Promise<Percentiles> } {
  const hist = newHistogram();
  let running = true;
  const inflight = new Set<Promise<void>>();
  const done = (async () => {
    const t0 = epochNow();
    for (let k = 0; running; k++) {
      const due = t0 + k * intervalMs;
      const wait = due - epochNow();
      if (wait > 1) await Bun.sleep(wait);
      const ref = Math.min(due, epochNow());
      const p = fetch(`${url}/health`)
        .then((r) => r.arrayBuffer())
        .then(
          () => hist.recordValue(Math.max(1, Math.round((epochNow() - ref) * 1000))),
          () => {},
        );
      inflight.add(p);
      void p.then(() => inflight.delete(p));
    }
    await Promise.all(inflight);
  })();
  return {
    async stop() {
      running = false;
      await done;
      return percentiles(hist);
    },
  };
}
