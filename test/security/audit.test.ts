import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, type AuditSink, fileAuditSink, sanitizeAuditFields } from "../../src/security/audit.ts";
import { signToken } from "../../src/security/tokens.ts";
import { SECRET } from "./keys.ts";

const dir = await mkdtemp(join(tmpdir(), "tacstream-audit-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const T0 = Date.UTC(2025, 7, 25, 12, 0, 0);

/** A sink that records chunks and can be held back, to observe batching without sleeping. */
class RecordingSink implements AuditSink {
  chunks: string[] = [];
  gate: Promise<void> = Promise.resolve();
  fail = false;
  async write(chunk: string): Promise<void> {
    await this.gate;
    if (this.fail) throw new Error("disk full");
    this.chunks.push(chunk);
  }
}

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("AuditLog", () => {
  test("appends JSON lines to a file; close flushes what is buffered", async () => {
    const path = join(dir, "nested", "audit.jsonl");
    const log = new AuditLog({ sink: fileAuditSink(path), now: () => T0, flushIntervalMs: 60_000 });
    log.log({ event: "connection_open", sub: "analyst-7", ip: "203.0.113.9", connId: "c1" });
    log.log({
      event: "publish",
      sub: "feeder",
      feedId: "threats.kev",
      grant: "threats.*",
      count: 3,
      ip: "10.0.0.2",
    });
    log.log({ event: "auth_failure", reason: "expired", ip: "198.51.100.4", route: "/v1/stream" });
    log.log({ event: "dlq_replay", sub: "ops", feedId: "kev", count: 12 });
    log.log({ event: "admin_change", sub: "ops", action: "feed.pause", target: "kev" });
    log.log({ event: "connection_close", sub: "analyst-7", ip: "203.0.113.9", code: 1000, durationMs: 5321 });
    await log.close();
    const records = lines(await readFile(path, "utf8"));
    expect(records.map((r) => r.event)).toEqual([
      "connection_open",
      "publish",
      "auth_failure",
      "dlq_replay",
      "admin_change",
      "connection_close",
    ]);
    expect(records[1]).toEqual({
      ts: "2025-08-25T12:00:00.000Z",
      event: "publish",
      sub: "feeder",
      feedId: "threats.kev",
      grant: "threats.*",
      count: 3,
      ip: "10.0.0.2",
    });
    // Append-only: a second log on the same file adds after the first.
    const again = new AuditLog({ sink: fileAuditSink(path), now: () => T0 });
    again.log({ event: "auth_failure", reason: "bad_signature" });
    await again.close();
    expect(lines(await readFile(path, "utf8"))).toHaveLength(7);
  });

  test("never writes a token or a secret, whatever the caller passes", async () => {
    const token = await signToken({ sub: "analyst-7", subscribe: ["*"] }, { secret: SECRET });
    const path = join(dir, "secrets.jsonl");
    const log = new AuditLog({ sink: fileAuditSink(path), now: () => T0 });
    const sneaky = {
      event: "auth_failure",
      reason: `bad token ${token}`,
      route: `/v1/stream?token=${token}`,
      ip: "203.0.113.9",
      token,
      authorization: `Bearer ${token}`,
      secret: SECRET,
      webhookSecret: SECRET,
      signature: "t=1,v1=abc",
      headers: { authorization: `Bearer ${token}` },
    };
    log.log(sneaky as never);
    log.log({ event: "admin_change", sub: "ops", action: `rotated with Bearer ${token}` });
    await log.close();
    const text = await readFile(path, "utf8");
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split(".")[2] as string);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("v1=abc");
    const [first] = lines(text);
    expect(first).toEqual({
      ts: "2025-08-25T12:00:00.000Z",
      event: "auth_failure",
      reason: "bad token [redacted]",
      route: "/v1/stream?token=[redacted]",
      ip: "203.0.113.9",
    });
  });

  test("batches: nothing is written per event; a full batch is written at once", async () => {
    const sink = new RecordingSink();
    const log = new AuditLog({ sink, now: () => T0, flushIntervalMs: 60_000, maxBatch: 3 });
    log.log({ event: "auth_failure", reason: "missing" });
    log.log({ event: "auth_failure", reason: "missing" });
    expect(sink.chunks).toHaveLength(0);
    log.log({ event: "auth_failure", reason: "missing" });
    await log.flush();
    expect(sink.chunks).toHaveLength(1);
    expect(lines(sink.chunks[0] as string)).toHaveLength(3);
    await log.close();
  });

  test("the timer flushes a partial batch", async () => {
    const sink = new RecordingSink();
    let written!: () => void;
    const wrote = new Promise<void>((r) => (written = r));
    const log = new AuditLog({
      sink: {
        write: async (c) => {
          await sink.write(c);
          written();
        },
      },
      now: () => T0,
      flushIntervalMs: 5,
    });
    log.log({ event: "auth_failure", reason: "nbf" });
    await wrote;
    expect(sink.chunks).toHaveLength(1);
    await log.close();
  });

  test("a slow sink cannot grow memory without bound; failures are counted and reported", async () => {
    const sink = new RecordingSink();
    let open!: () => void;
    sink.gate = new Promise<void>((r) => (open = r));
    const errors: unknown[] = [];
    const log = new AuditLog({
      sink,
      now: () => T0,
      maxBatch: 10,
      maxPending: 25,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 100; i++) log.log({ event: "auth_failure", reason: "missing" });
    expect(log.dropped).toBe(75);
    open();
    await log.flush();
    expect(sink.chunks.join("").trim().split("\n")).toHaveLength(25);

    sink.fail = true;
    log.log({ event: "auth_failure", reason: "missing" });
    await log.flush();
    expect(errors).toHaveLength(1);
    expect(log.dropped).toBe(76);
    await log.close();
    log.log({ event: "auth_failure", reason: "missing" });
    expect(log.dropped).toBe(77);
  });

  test("sanitizeAuditFields keeps primitives only and bounds strings", () => {
    expect(
      sanitizeAuditFields({ a: 1, b: true, c: { d: 1 }, e: [1], f: Number.NaN, g: "x".repeat(2000) }),
    ).toEqual({
      a: 1,
      b: true,
      g: "x".repeat(512),
    });
  });
});
