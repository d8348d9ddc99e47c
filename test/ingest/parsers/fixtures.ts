import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The shared, read-only fixtures (real feeds and threat data); override with TACSTREAM_FIXTURES. */
export const FIXTURES =
  process.env.TACSTREAM_FIXTURES ?? join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures");

export function fixture(...parts: string[]): Uint8Array {
  return readFileSync(join(FIXTURES, ...parts));
}

export function hasFixture(...parts: string[]): boolean {
  return existsSync(join(FIXTURES, ...parts));
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
