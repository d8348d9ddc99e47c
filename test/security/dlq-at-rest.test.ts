/**
 * Attack table of issue 13, row 5: the dead-letter queue wrote raw bodies and parser messages quoting
 * them in plaintext, 0644, even with ENCRYPTION_KEYS set. Every file under its directory is grepped for
 * a marker from the payload.
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DlqStore } from "../../src/ingest/dlq/store.ts";
import { createPayloadCipher } from "../../src/security/encryption.ts";
import { removeTempDirs, tempDir } from "../ingest/feeds/node.ts";

afterAll(removeTempDirs);

const MARKER = "MARKER-7f3c2a-secret-indicator";
const KEYS = `k1:${Buffer.alloc(32, 7).toString("base64")}`;

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

test("with a cipher, no DLQ file holds the payload in the clear; files 0600, directory 0700", async () => {
  const root = tempDir();
  const dir = join(root, "dlq");
  const cipher = await createPayloadCipher(KEYS);
  const s = await DlqStore.open(dir, { cipher });
  const raw = new TextEncoder().encode(`{"title":"${MARKER}",`);
  const e = await s.add({
    feedId: "hooks",
    format: "webhook",
    reason: `unexpected end of JSON after "${MARKER}"`,
    code: "BAD_JSON",
    path: MARKER,
    raw,
  });
  await s.flush();
  const written = files(dir);
  expect(written.length).toBeGreaterThanOrEqual(2);
  for (const f of written) {
    expect(readFileSync(f).includes(MARKER)).toBe(false);
    expect(statSync(f).mode & 0o777).toBe(0o600);
  }
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  // Still readable by the node that holds the key, after a reopen.
  const reopened = await DlqStore.open(dir, { cipher });
  expect(reopened.get(e.id)?.reason).toContain(MARKER);
  expect(await reopened.raw(e.id)).toEqual(raw);
});

test("without a cipher the files are still owner-only", async () => {
  const dir = join(tempDir(), "dlq");
  const s = await DlqStore.open(dir);
  await s.add({ feedId: "f", format: "rss", reason: "bad", code: "VALIDATION", raw: new Uint8Array([1]) });
  await s.flush();
  for (const f of files(dir)) expect(statSync(f).mode & 0o777).toBe(0o600);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
});
