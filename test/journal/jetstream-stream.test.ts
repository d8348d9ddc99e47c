import { describe, expect, test } from "bun:test";
import type { StreamConfig } from "@nats-io/jetstream";
import { resolveOptions } from "../../src/journal/jetstream/options.ts";
import { configChanges, createConfig, epochOf, ownedConfig } from "../../src/journal/jetstream/stream.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";

describe("jetstream stream config (pure)", () => {
  test("options map to the stream config: 0 means unlimited, times in nanoseconds", () => {
    const o = resolveOptions({ servers: "nats://a:4222,nats://b:4222", retention: { maxAgeMs: 86_400_000 } });
    expect(o.servers).toEqual(["nats://a:4222", "nats://b:4222"]);
    expect(createConfig(o)).toMatchObject({
      name: "TACSTREAM",
      subjects: ["feeds.>"],
      storage: "file",
      retention: "limits",
      discard: "old",
      num_replicas: 1,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 86_400_000 * 1e6,
      duplicate_window: 600_000 * 1e6,
    });
  });

  test("the duplicate window never exceeds max age", () => {
    const o = resolveOptions({ servers: "x", retention: { maxAgeMs: 30_000 }, duplicateWindowMs: 120_000 });
    expect(o.duplicateWindowMs).toBe(30_000);
  });

  test("only owned fields that differ are updated", () => {
    const o = resolveOptions({ servers: "x", replicas: 3, retention: { maxMessages: 5 } });
    const current = { ...createConfig(o), max_msgs_per_subject: 7 } as StreamConfig;
    expect(configChanges(current, ownedConfig(o))).toEqual({});
    const changed = { ...current, subjects: ["other.>"], num_replicas: 1, max_msgs: 9 } as StreamConfig;
    expect(configChanges(changed, ownedConfig(o))).toEqual({
      subjects: ["feeds.>"],
      num_replicas: 3,
      max_msgs: 5,
    });
  });

  test("epoch: the creation time in nanoseconds, hex; distinct for streams created a nanosecond apart", () => {
    expect(epochOf("2026-11-27T09:22:47.159254054Z")).toBe(
      (BigInt(Date.parse("2026-11-27T09:22:47Z")) * 1_000_000n + 159_254_054n).toString(16),
    );
    expect(epochOf("2026-11-27T09:22:47.159254055Z")).not.toBe(epochOf("2026-11-27T09:22:47.159254054Z"));
    expect(epochOf("2026-11-27T09:22:47Z")).toBe(
      (BigInt(Date.parse("2026-11-27T09:22:47Z")) * 1_000_000n).toString(16),
    );
    expect(epochOf("not a time")).toBe("not a time");
  });

  test("bad options are VALIDATION errors naming the option", () => {
    expect(() => resolveOptions({ servers: "x", subjectPrefix: "a.b" })).toThrow(
      expect.objectContaining({ code: ErrorCode.Validation, path: "subjectPrefix" }),
    );
    expect(() => resolveOptions({ servers: "x", retention: { maxBytes: -1 } })).toThrow(
      expect.objectContaining({ code: ErrorCode.Validation, path: "retention.maxBytes" }),
    );
  });
});
