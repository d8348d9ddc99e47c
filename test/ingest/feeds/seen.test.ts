import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, copyFileSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SeenStore } from "../../../src/ingest/feeds/seen.ts";
import { FeedStateFile } from "../../../src/ingest/feeds/state.ts";
import { createPayloadCipher } from "../../../src/security/encryption.ts";
import { removeTempDirs, tempDir } from "./node.ts";

afterAll(removeTempDirs);

describe("seen keys", () => {
  test("persist across a reopen; a torn last line is skipped", async () => {
    const path = join(tempDir(), "feeds", "f.seen.jsonl");
    const a = await SeenStore.open(path, 100);
    await a.add(["k1", 'k"2\nwith newline', "k1"]);
    expect(a.size).toBe(2);
    appendFileSync(path, '"torn');
    const b = await SeenStore.open(path, 100);
    expect(b.has("k1")).toBe(true);
    expect(b.has('k"2\nwith newline')).toBe(true);
    expect(b.has("torn")).toBe(false);
    expect(b.size).toBe(2);
  });

  test("bounded: the oldest keys go first, and the file is compacted", async () => {
    const path = join(tempDir(), "s.jsonl");
    const s = await SeenStore.open(path, 10);
    for (let i = 0; i < 50; i++) await s.add([`k${i}`]);
    expect(s.size).toBe(10);
    expect(s.has("k39")).toBe(false);
    expect(s.has("k40")).toBe(true);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(21);
    const reopened = await SeenStore.open(path, 10);
    expect([...Array(10).keys()].every((i) => reopened.has(`k${40 + i}`))).toBe(true);
  });
});

describe("seen keys and state at rest (ENCRYPTION_KEYS)", () => {
  const KEYS = `k1:${Buffer.alloc(32, 3).toString("base64")}`;

  test("sealed lines reopen with the key; plaintext lines from before the key still count", async () => {
    const cipher = await createPayloadCipher(KEYS);
    const path = join(tempDir(), "feeds", "f.seen.jsonl");
    const plain = await SeenStore.open(path, 100);
    await plain.add(["https://example.org/old"]);
    const sealed = await SeenStore.open(path, 100, { cipher });
    await sealed.add(["https://example.org/new", "https://example.org/old"]);
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain("example.org/new");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await SeenStore.open(path, 100, { cipher });
    expect(again.has("https://example.org/new")).toBe(true);
    expect(again.has("https://example.org/old")).toBe(true);
    // Without the key the sealed lines are skipped, not misread (the journal's de-dup is the backstop).
    const keyless = await SeenStore.open(path, 100, {
      cipher: await createPayloadCipher(`k2:${Buffer.alloc(32, 4).toString("base64")}`),
    });
    expect(keyless.has("https://example.org/new")).toBe(false);
    expect(keyless.has("https://example.org/old")).toBe(true);
  });

  test("a sealed state file reloads; another file's sealed state does not open as this one's", async () => {
    const cipher = await createPayloadCipher(KEYS);
    const dir = join(tempDir(), "feeds");
    const a = new FeedStateFile(join(dir, "a.state.json"), { cipher });
    a.state.etag = '"secret-etag"';
    a.state.next = "token-xyz";
    await a.save();
    expect(readFileSync(join(dir, "a.state.json"), "utf8")).not.toContain("secret-etag");
    expect(statSync(join(dir, "a.state.json")).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(await new FeedStateFile(join(dir, "a.state.json"), { cipher }).load()).toMatchObject({
      etag: '"secret-etag"',
      next: "token-xyz",
    });
    copyFileSync(join(dir, "a.state.json"), join(dir, "b.state.json"));
    expect(await new FeedStateFile(join(dir, "b.state.json"), { cipher }).load()).toEqual({ events: {} });
  });
});
