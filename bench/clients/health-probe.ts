/**
 * `bun bench/clients/health-probe.ts <url> <everyMs> <seconds>`: GET <url>/health on a fixed schedule
 * and print one JSON line of latency percentiles (ms, from each probe's intended time) and the count
 * over 1 s. A process of its own, so that the load generator's busy event loop is not what it measures.
 */
import { newHistogram, percentiles } from "../lib/hdr.ts";

const [url, every, secs] = process.argv.slice(2);
const everyMs = Number(every);
const now = () => performance.timeOrigin + performance.now();
const h = newHistogram();
let over1s = 0;
let failed = 0;
const t0 = now();
const end = t0 + Number(secs) * 1000;
for (let k = 0; ; k++) {
  const due = t0 + k * everyMs;
  if (due > end) break;
  const wait = due - now();
  if (wait > 1) await Bun.sleep(wait);
  const ref = Math.min(due, now());
  try {
    const res = await fetch(`${url}/health`);
    await res.arrayBuffer();
  } catch {
    failed++;
  }
  const took = now() - ref;
  if (took > 1000) over1s++;
  h.recordValue(Math.max(1, Math.round(took * 1000)));
}
console.log(JSON.stringify({ ...percentiles(h), over1s, failed }));
