import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTokenVerifier } from "../../src/security/tokens.ts";
import { pemPair, SECRET } from "./keys.ts";

const CLI = join(import.meta.dir, "../../src/security/sign-token-cli.ts");

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe("sign-token CLI", () => {
  test("mints an HS256 token from TOKEN_SECRET that the verifier accepts", async () => {
    const r = run(["--sub", "analyst-7", "--subscribe", "threats.*", "--subscribe", "kev", "--ttl", "600"], {
      TOKEN_SECRET: SECRET,
    });
    expect(r.code).toBe(0);
    const p = await (await createTokenVerifier({ secret: SECRET }))(r.out);
    expect(p.sub).toBe("analyst-7");
    expect(p.subscribe.patterns).toEqual(["threats.*", "kev"]);
    expect(p.exp! - Date.now()).toBeGreaterThan(500_000);
  });

  test("mints an ES256 token from a PEM private key", async () => {
    const pair = await pemPair("ES256");
    const file = join(mkdtempSync(join(tmpdir(), "tacstream-cli-")), "key.pem");
    writeFileSync(file, pair.privateKey);
    const r = run(["--sub", "feeder", "--publish", "kev", "--private-key", file, "--alg", "ES256"]);
    expect(r.code).toBe(0);
    const p = await (await createTokenVerifier({ publicKey: pair.publicKey, algorithm: "ES256" }))(r.out);
    expect(p.publish.allows("kev")).toBe(true);
  });

  test("refuses without a key, a subject, or with a bad grant — exit 2, message on stderr", () => {
    expect(run(["--sub", "x"])).toMatchObject({ code: 2, out: "" });
    expect(run([], { TOKEN_SECRET: SECRET }).err).toContain("--sub");
    expect(run(["--sub", "x", "--subscribe", "*.kev"], { TOKEN_SECRET: SECRET }).code).toBe(2);
  });
});

describe("sign-token CLI without bun on PATH", () => {
  test("`npm run token -- --help` prints the usage, through node_modules/.bin", () => {
    const r = spawnSync("npm", ["run", "--silent", "token", "--", "--help"], {
      cwd: join(import.meta.dir, "../.."),
      // Only node and npm's own directory: the bun that runs the CLI must come from node_modules/.bin.
      env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("usage: npm run token -- --sub <subject>");
    expect(r.stdout).toContain('"threats.*" (below');
  });
});
