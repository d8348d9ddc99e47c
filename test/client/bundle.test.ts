import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const CLIENT = join(import.meta.dir, "..", "..", "src", "client");
const BUDGET = 15 * 1024;

test(`the browser bundle of the SDK is at most ${BUDGET} bytes minified + gzipped`, async () => {
  const out = await Bun.build({ entrypoints: [join(CLIENT, "mod.ts")], target: "browser", minify: true });
  expect(out.success).toBe(true);
  const js = await out.outputs[0]!.text();
  const size = gzipSync(js, { level: 9 }).length;
  console.log(`client bundle: ${js.length} B minified, ${size} B min+gzip`);
  expect(size).toBeLessThanOrEqual(BUDGET);
});

test("the SDK imports nothing from the server: only runtime-free protocol and pure, import-free helpers", () => {
  const shared = new Set(["../resilience/backoff.ts"]);
  const allowed = new Set(["frame.ts", "json.ts", "checksum.ts", "uuid.ts", "errors.ts"]);
  for (const file of readdirSync(CLIENT)) {
    const src = readFileSync(join(CLIENT, file), "utf8");
    for (const m of src.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gm)) {
      const [, , typeOnly, spec] = m;
      if (spec!.startsWith("./") || shared.has(spec!)) continue;
      const proto = /^\.\.\/protocol\/([a-z-]+\.ts)$/.exec(spec!);
      expect(proto, `${file} imports ${spec}`).not.toBeNull();
      // message.ts holds the valibot schemas: types only.
      if (proto![1] === "message.ts") expect(typeOnly, `${file}: import type from message.ts`).toBeDefined();
      else expect(allowed.has(proto![1]!), `${file} imports ${spec}`).toBe(true);
    }
  }
});

test("the shared helpers the SDK uses import nothing themselves", () => {
  const src = readFileSync(join(CLIENT, "..", "resilience", "backoff.ts"), "utf8");
  expect(src).not.toMatch(/^import /m);
});
