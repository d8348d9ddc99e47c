import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAddressInUse } from "../../src/runtime/shared.ts";

test("a port already in use is one line naming the port and what to set, exit 1", async () => {
  const busy = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("busy") });
  try {
    const proc = Bun.spawn([process.execPath, "src/runtime/bun.ts"], {
      cwd: join(import.meta.dir, "..", ".."),
      env: {
        ...process.env,
        PORT: String(busy.port),
        HOST: "127.0.0.1",
        DATA_DIR: mkdtempSync(join(tmpdir(), "ts-busy-")),
        LOG_LEVEL: "silent",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(1);
    const err = (await new Response(proc.stderr).text()).trim();
    expect(err).toBe(`tacstream: port ${busy.port} is already in use (set PORT)`);
  } finally {
    busy.stop(true);
  }
});

test("Bun/Node's EADDRINUSE and Deno's AddrInUse are recognised; other errors are not", () => {
  expect(isAddressInUse(Object.assign(new Error("x"), { code: "EADDRINUSE" }))).toBe(true);
  const deno = new Error("x");
  deno.name = "AddrInUse";
  expect(isAddressInUse(deno)).toBe(true);
  expect(isAddressInUse(new Error("EADDRINUSE"))).toBe(false);
  expect(isAddressInUse(undefined)).toBe(false);
});
