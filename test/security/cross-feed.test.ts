/**
 * Attack table of issue 13, row 1, over HTTP: a publisher of `sandbox` plants the id a real feed's
 * next message will carry. The real message must still be stored and delivered, and the forged
 * publish must not learn the real message's seq.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { signToken } from "../../src/security/mod.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";

const SECRET = "s".repeat(40);
let srv: ServerProcess;
let sandbox: string;
let source: string;
let admin: string;

beforeAll(async () => {
  srv = await startServer({ TOKEN_SECRET: SECRET });
  sandbox = await signToken({ sub: "mallory", publish: ["sandbox"] }, { secret: SECRET });
  source = await signToken({ sub: "source", publish: ["intel"] }, { secret: SECRET });
  admin = await signToken({ sub: "admin", subscribe: ["*"] }, { secret: SECRET });
});
afterAll(() => srv.stop());

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

test("an id planted in another feed neither drops the real message nor reveals its seq", async () => {
  const id = "0194f3a2-7b1c-7d2e-8f00-0123456789ab";
  const planted = await postMessages(srv.url, "sandbox", { ...threat(1), id }, bearer(sandbox));
  expect(planted.status).toBe(202);
  const real = await postMessages(srv.url, "intel", { ...threat(2), id }, bearer(source));
  expect(real.status).toBe(202);
  const realSeq = ((await real.json()) as { seqs: number[] }).seqs[0]!;
  const read = await fetch(`${srv.url}/v1/feeds/intel/messages?since=0`, { headers: bearer(admin) });
  const msgs = ((await read.json()) as { messages: { seq: number; id: string }[] }).messages;
  expect(msgs.map((m) => m.seq)).toEqual([realSeq]);
  // Again, the other way round: the forged copy after the real one gets its own seq, not the real one's.
  const again = await postMessages(srv.url, "sandbox", { ...threat(3), id }, bearer(sandbox));
  const seqs = ((await again.json()) as { seqs: number[] }).seqs;
  expect(seqs[0]).not.toBe(realSeq);
});
