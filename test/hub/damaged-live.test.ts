import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hub } from "../../src/hub/hub.ts";
import { newSessionState, type SessionState } from "../../src/hub/session.ts";
import type { HubSocket } from "../../src/hub/socket.ts";
import { feedTopics } from "../../src/hub/topics.ts";
import { EmbeddedJournal } from "../../src/journal/embedded/mod.ts";
import { EncryptedJournal } from "../../src/journal/encrypted.ts";
import { createPayloadCipher } from "../../src/security/encryption.ts";
import { makeEntry } from "../journal/entries.ts";

const key = (n: number) => Buffer.alloc(32, n).toString("base64");

function socket(format: "json" | "binary") {
  const sent: Array<string | Uint8Array> = [];
  let wake: (() => void) | undefined;
  const ws: HubSocket<SessionState> = {
    data: newSessionState({ format, now: Date.now(), opsPerSecond: 50 }),
    send: (d) => {
      sent.push(d);
      wake?.();
      return 1;
    },
    subscribe: () => {},
    unsubscribe: () => {},
    close: () => {},
    ping: () => {},
    getBufferedAmount: () => 0,
  };
  const count = async (n: number) => {
    while (sent.length < n) await new Promise<void>((r) => (wake = r));
  };
  return { ws, sent, count };
}

test("a message the node cannot decrypt on its live tail: subscribers get its DAMAGED_RECORD notice in place, live and from the recent cache, and the tail goes on", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-damaged-live-"));
  const inner = new EmbeddedJournal({ dir });
  await inner.open();
  // This node holds only the new key; a peer (here: a second writer) still seals under one it lacks.
  const journal = new EncryptedJournal(inner, await createPayloadCipher(`new:${key(2)}`));
  const peer = new EncryptedJournal(inner, await createPayloadCipher(`gone:${key(3)}`));
  const published: Array<{ topic: string; data: string | Uint8Array }> = [];
  let arrived: (() => void) | undefined;
  const hub = new Hub({ journal, heartbeatIntervalMs: 60_000, backpressureLimit: 1e9, opsPerSecond: 50 });
  await hub.start({
    publish: (topic, data) => {
      published.push({ topic, data });
      arrived?.();
    },
    subscriberCount: () => 1,
  });
  const until = async (n: number) => {
    while (published.length < n) await new Promise<void>((r) => (arrived = r));
  };
  try {
    const [good] = await journal.append([makeEntry("f", { priority: 1 })]);
    await until(2);
    const [bad] = await peer.append([makeEntry("f", { priority: 1 })]);
    await until(4);
    const [after] = await journal.append([makeEntry("f", { priority: 1 })]);
    await until(6);

    const topics = feedTopics("f");
    const notices = published.filter((p) => typeof p.data === "string" && p.data.includes("DAMAGED_RECORD"));
    // Once per topic of its priority (binary and JSON subscribers alike get the JSON text notice).
    expect(notices.map((p) => p.topic).sort()).toEqual([topics.binary[1]!, topics.json[1]!].sort());
    expect(JSON.parse(notices[0]!.data as string)).toMatchObject({
      type: "error",
      code: "DAMAGED_RECORD",
      reason: "undecryptable",
      feedId: "f",
      damagedSeq: bad,
    });
    // The messages on either side are published as usual: the tail did not stop.
    expect(
      published.filter((p) => p.topic === topics.binary[1] && p.data instanceof Uint8Array),
    ).toHaveLength(2);

    // A resume served from the hub's recent cache sees the notice at its seq, between the two messages.
    const { epoch } = await journal.position("f");
    for (const format of ["json", "binary"] as const) {
      const s = socket(format);
      hub.onOpen(s.ws);
      hub.onMessage(s.ws, JSON.stringify({ op: "subscribe", id: 1, feeds: ["f"], since: 0, epoch }));
      await s.count(4); // reply + 3
      const data = s.sent.filter((d) => typeof d !== "string" || !d.includes('"metadata"'));
      expect(data).toHaveLength(3);
      expect(typeof data[1]).toBe("string");
      expect(JSON.parse(data[1] as string)).toMatchObject({ code: "DAMAGED_RECORD", damagedSeq: bad });
      if (format === "binary") {
        expect(data[0]).toBeInstanceOf(Uint8Array);
        expect(data[2]).toBeInstanceOf(Uint8Array);
      } else {
        expect(JSON.parse(data[0] as string).seq).toBe(good);
        expect(JSON.parse(data[2] as string).seq).toBe(after);
      }
      hub.onClose(s.ws);
    }
  } finally {
    hub.stop(1001, "test");
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
