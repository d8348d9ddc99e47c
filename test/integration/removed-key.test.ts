import { expect, test } from "bun:test";
import { postMessages, startServer, threat } from "../helpers/server.ts";

const key = (n: number) => Buffer.alloc(32, n).toString("base64");
const OLD = `old:${key(7)}`;
const NEW = `new:${key(9)}`;

test("a message under a removed key: the replay serves the rest (200), the start warns, the log names it", async () => {
  const first = await startServer({ ENCRYPTION_KEYS: OLD });
  expect((await postMessages(first.url, "enc.feed", threat(1, { title: "sealed with old" }))).status).toBe(
    202,
  );
  await first.stop({ keepData: true });

  const rotated = await startServer({ ENCRYPTION_KEYS: `${NEW},${OLD}` }, { dataDir: first.dataDir });
  expect((await postMessages(rotated.url, "enc.feed", threat(2, { title: "sealed with new" }))).status).toBe(
    202,
  );
  await rotated.stop({ keepData: true });

  const srv = await startServer({ ENCRYPTION_KEYS: NEW }, { dataDir: first.dataDir });
  try {
    expect(
      await srv.logged(
        "encryption key removed from ENCRYPTION_KEYS: messages sealed with it will be skipped",
      ),
    ).toMatchObject({ kid: "old" });
    const res = await fetch(`${srv.url}/v1/feeds/enc.feed/messages?since=0`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: { payload: { title: string } }[] };
    expect(body.messages.map((m) => m.payload.title)).toEqual(["sealed with new"]);
    expect(await srv.logged("stored message cannot be decrypted: skipped")).toMatchObject({
      feedId: "enc.feed",
      reason: "unknown_key",
    });
  } finally {
    await srv.stop();
  }
});
