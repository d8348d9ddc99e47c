// Where a commit group's fdatasync should run, measured alone: inline (fdatasyncSync), the thread pool
// (fs.fdatasync callback) or a Worker. Runs on Bun and Node; see docs/journal.md, "Where the fdatasync runs".
// Usage: taskset -c 0 bun bench/fsync-placement.mjs inline|pool|worker [groups]
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

const mode = process.argv[2];
const groups = Number(process.argv[3] ?? 400);
const dir = fs.mkdtempSync(join(tmpdir(), "syncb-"));
const fd = fs.openSync(join(dir, "seg"), "w+");
const buf = new Uint8Array(26 * 1024).fill(7);
// 16 MiB of zeros written ahead, as the journal does, so each fdatasync flushes data only
const Z = new Uint8Array(1 << 20);
for (let i = 0; i < 16; i++) fs.writeSync(fd, Z, 0, Z.length, i * Z.length);
fs.fsyncSync(fd);
let worker,
  pending = new Map(),
  nextId = 0;
if (mode === "worker") {
  worker = new Worker(
    `const {parentPort}=require("node:worker_threads");const fs=require("node:fs");parentPort.on("message",({id,fd})=>{let e=null;try{fs.fdatasyncSync(fd)}catch(x){e=String(x)}parentPort.postMessage({id,e})})`,
    { eval: true },
  );
  worker.on("message", ({ id, e }) => {
    const p = pending.get(id);
    pending.delete(id);
    e ? p[1](new Error(e)) : p[0]();
  });
}
const sync =
  mode === "inline"
    ? async () => fs.fdatasyncSync(fd)
    : mode === "pool"
      ? () => new Promise((r, j) => fs.fdatasync(fd, (e) => (e ? j(e) : r())))
      : () =>
          new Promise((r, j) => {
            const id = nextId++;
            pending.set(id, [r, j]);
            worker.postMessage({ id, fd });
          });
// loop-lag probe
let maxLag = 0,
  last = performance.now(),
  lags = [];
const t = setInterval(() => {
  const n = performance.now();
  const lag = n - last - 1;
  lags.push(lag);
  if (lag > maxLag) maxLag = lag;
  last = n;
}, 1);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const lat = [];
let pos = 0;
for (let g = 0; g < groups; g++) {
  const s = performance.now();
  fs.writeSync(fd, buf, 0, buf.length, pos);
  pos += buf.length;
  await sync();
  if (mode === "inline") await new Promise((r) => setImmediate(r));
  lat.push(performance.now() - s);
}
const el = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(t);
worker?.terminate();
lat.sort((a, b) => a - b);
lags.sort((a, b) => a - b);
const q = (a, p) => (a.length === 0 ? "-" : a[Math.min(a.length - 1, Math.floor(a.length * p))].toFixed(2));
console.log(
  JSON.stringify({
    rt: typeof Bun !== "undefined" ? "bun" : "node",
    mode,
    groupsPerS: Math.round((groups / el) * 1000),
    durableP50: q(lat, 0.5),
    durableP99: q(lat, 0.99),
    lagP99: q(lags, 0.99),
    lagMax: maxLag.toFixed(1),
    cpuUsPerGroup: Math.round((cpu.user + cpu.system) / groups),
  }),
);
fs.rmSync(dir, { recursive: true });
