import { afterAll, beforeAll, expect, test } from "bun:test";
import { JetStreamJournal } from "../../src/journal/jetstream/mod.ts";
import { type NatsServer, startNatsServer } from "../helpers/nats.ts";
import { postMessages, startServer, threat } from "../helpers/server.ts";

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer({ extraConfig: 'authorization { user: "tac", password: "s3cret-pass" }' });
});
afterAll(() => nats.stop());

test("credentials come from options, not the URL; wrong ones keep the journal not ready", async () => {
  const wrong = new JetStreamJournal({ servers: nats.url, auth: { user: "tac", pass: "nope" } });
  await wrong.open();
  expect(wrong.status().ready).toBe(false);
  await wrong.close();

  const right = new JetStreamJournal({ servers: nats.url, auth: { user: "tac", pass: "s3cret-pass" } });
  await right.open();
  expect(right.status().ready).toBe(true);
  await right.close();
});

test("the server takes NATS_USER / NATS_PASSWORD, and /ready never shows the password", async () => {
  const srv = await startServer({ NATS_URL: nats.url, NATS_USER: "tac", NATS_PASSWORD: "s3cret-pass" });
  try {
    expect((await postMessages(srv.url, "auth", threat(1))).status).toBe(202);
    const ready = await (await fetch(`${srv.url}/ready`)).text();
    expect(ready).toContain('"journal":"jetstream"');
    expect(ready).not.toContain("s3cret-pass");
    expect(srv.logs.join("\n")).not.toContain("s3cret-pass");
  } finally {
    await srv.stop();
  }
});
