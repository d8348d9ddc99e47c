import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildLib, buildPage, PAGE_MODULE, ROOT } from "../../scripts/build.ts";

const out = mkdtempSync(join(tmpdir(), "tacstream-lib-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const tree = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => /\.(js|d\.ts)$/.test(f))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  );

test("the committed lib/ is what `npm run build` makes of src/client and src/protocol", () => {
  buildLib(out);
  expect(tree(join(ROOT, "lib")), "lib/ is stale: run `npm run build` and commit it").toEqual(tree(out));
});

test("lib/ declarations name the .js files Node resolves, not the .ts sources", () => {
  for (const [file, text] of Object.entries(tree(join(ROOT, "lib"))))
    expect(text, file).not.toMatch(/from\s+"\.\.?\/[^"]*\.ts"/);
});

test("the committed page bundle is what `npm run build` makes of src/dashboard/app", async () => {
  const committed = readFileSync(join(ROOT, PAGE_MODULE), "utf8");
  expect(committed === (await buildPage()), `${PAGE_MODULE} is stale: run \`npm run build\``).toBe(true);
});
