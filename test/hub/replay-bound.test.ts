import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hub } from "../../src/hub/hub.ts";
import { newSessionState, type SessionState } from "../../src/hub/session.ts";
import type { HubSocket } from "../../src/hub/socket.ts";
import { EmbeddedJournal } from "../../src/journal/embedded/mod.ts";
import { makeEntry } from "../journal/entries.ts";

/** A socket whose buffer is always "full", so a replay started on it stays in progress (waits for drain). */
function socket(onSend: (text: string) => void): HubSocket<SessionState> {
  return {
    data: newSessionState({ format: "json", now: Date.now(), opsPerSecond: 50 }),
    send: (d) => {
      if (typeof d === "string") onSend(d);
      return 1;
    },
    subscribe: () => {},
    unsubscribe: () => {},
    close: () => {},
    ping: () => {},
    getBufferedAmount: () => Number.MAX_SAFE_INTEGER,
  };
}

test("replays past maxConcurrentReplays are refused with UNAVAILABLE + retryAfter, not served", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-replays-"));
  const journal = new EmbeddedJournal({ dir });
  await journal.open();
  await journal.append(Array.from({ length: 100 }, () => makeEntry("a")));
  const hub = new Hub({
    journal,
    heartbeatIntervalMs: 60_000,
    backpressureLimit: 64 * 1024,
    opsPerSecond: 50,
    maxConcurrentReplays: 1,
  });
  await hub.start({ publish: () => {}, subscriberCount: () => 0 });
  try {
    const first = socket(() => {});
    hub.onOpen(first);
    hub.onMessage(first, JSON.stringify({ op: "subscribe", feeds: ["a"], since: 0 }));
    let refused!: (text: string) => void;
    const error = new Promise<string>((r) => {
      refused = r;
    });
    const second = socket((t) => {
      if (t.includes('"error"') || t.includes("UNAVAILABLE")) refused(t);
    });
    hub.onOpen(second);
    hub.onMessage(second, JSON.stringify({ op: "subscribe", feeds: ["a"], since: 0 }));
    const text = await error;
    expect(text).toContain("UNAVAILABLE");
    expect(text).toContain("retryAfter");
    hub.onClose(first);
    hub.onClose(second);
  } finally {
    hub.stop(1001, "test");
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
