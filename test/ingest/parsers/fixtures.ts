import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The real feeds and threat data copied into the repository (test/fixtures, each with its LICENSE).
 * TACSTREAM_FIXTURES points elsewhere for a one-off run. A missing folder fails at load, loudly: a
 * `test.each` over an empty listing would otherwise drop its cases without a word.
 */
export const FIXTURES = process.env.TACSTREAM_FIXTURES ?? join(import.meta.dir, "..", "..", "fixtures");

if (!existsSync(join(FIXTURES, "feeds", "input")) || !existsSync(join(FIXTURES, "threat"))) {
  throw new Error(
    `test fixtures missing at ${FIXTURES}: expected feeds/input and threat/ (git checkout test/fixtures)`,
  );
}

export function fixture(...parts: string[]): Uint8Array {
  return readFileSync(join(FIXTURES, ...parts));
}

export function hasFixture(...parts: string[]): boolean {
  return existsSync(join(FIXTURES, ...parts));
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
