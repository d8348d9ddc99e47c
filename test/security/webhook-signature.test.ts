import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import type { AuthError } from "../../src/security/token-error.ts";
import {
  createWebhookVerifier,
  GITHUB_SIGNATURE_HEADER,
  SIGNATURE_HEADER,
  signGithubWebhook,
  signWebhook,
} from "../../src/security/webhook-signature.ts";

const T = 1_756_123_456; // unix seconds
const BODY = '{"priority":"high","payload":{"title":"CVE-2025-0001 exploited"}}';
const headers = (h: Record<string, string>) => new Headers(h);

async function reason(p: Promise<unknown>): Promise<string> {
  const e = (await p.then(
    () => null,
    (x: unknown) => x,
  )) as AuthError | null;
  if (e === null) return "accepted";
  expect(e.code).toBe("UNAUTHORIZED");
  return e.reason;
}

describe("signWebhook", () => {
  test('is HMAC-SHA256(secret, t + "." + path + "." + body) in hex — as node:crypto and the openssl recipe', async () => {
    const path = "/v1/feeds/hooks.a/messages";
    const expected = createHmac("sha256", "s3cret").update(`${T}.${path}.${BODY}`).digest("hex");
    expect(await signWebhook("s3cret", BODY, T, path)).toBe(`t=${T},v1=${expected}`);
    // docs/security.md: printf '%s.%s.%s' "$t" "$path" "$body" | openssl dgst -sha256 -hmac "$secret" -r
    const viaOpenssl = execFileSync("openssl", ["dgst", "-sha256", "-hmac", "s3cret", "-r"], {
      input: `${T}.${path}.${BODY}`,
    })
      .toString()
      .split(" ")[0];
    expect(viaOpenssl).toBe(expected);
    expect(await signGithubWebhook("s3cret", BODY)).toBe(
      `sha256=${createHmac("sha256", "s3cret").update(BODY).digest("hex")}`,
    );
  });
});

describe("createWebhookVerifier", () => {
  const now = () => T * 1000;

  test("accepts a fresh signature over the exact body, string or bytes", async () => {
    const v = createWebhookVerifier({ secrets: ["s3cret"], now });
    const h = headers({ [SIGNATURE_HEADER]: await signWebhook("s3cret", BODY, T) });
    expect(await v.verify(h, new TextEncoder().encode(BODY))).toEqual({
      scheme: "tacstream",
      secretIndex: 0,
      timestamp: T,
    });
  });

  test("attack: a signature for feed A's path is refused on feed B, even under a shared secret", async () => {
    const a = "/v1/feeds/hooks.a/messages";
    const b = "/v1/feeds/hooks.b/messages";
    const sig = headers({ [SIGNATURE_HEADER]: await signWebhook("shared", BODY, T, a) });
    const feedB = createWebhookVerifier({ secrets: ["shared"], now });
    expect(await reason(feedB.verify(sig, BODY, b))).toBe("bad_signature");
    const feedA = createWebhookVerifier({ secrets: ["shared"], now });
    expect(await reason(feedA.verify(sig, BODY, a))).toBe("accepted");
  });

  test("the window is ±5 minutes by default", async () => {
    const v = createWebhookVerifier({ secrets: ["s3cret"], now });
    const sig = async (t: number) => headers({ [SIGNATURE_HEADER]: await signWebhook("s3cret", BODY, t) });
    expect(await reason(v.verify(await sig(T - 300), BODY))).toBe("accepted");
    expect(await reason(v.verify(await sig(T + 300), BODY))).toBe("accepted");
    expect(await reason(v.verify(await sig(T - 301), BODY))).toBe("expired");
    expect(await reason(v.verify(await sig(T + 301), BODY))).toBe("expired");
  });

  test("rotation: every configured secret is accepted, and the verifier says which", async () => {
    const v = createWebhookVerifier({ secrets: ["new-secret", "old-secret"], now });
    const h = headers({ [SIGNATURE_HEADER]: await signWebhook("old-secret", BODY, T) });
    expect((await v.verify(h, BODY)).secretIndex).toBe(1);
    // A sender mid-rotation may send both signatures; either one matching is enough.
    const both = `${await signWebhook("new-secret", "x", T)},v1=${(await signWebhook("old-secret", "y", T)).slice(-64)}`;
    expect(await reason(v.verify(headers({ [SIGNATURE_HEADER]: both }), "x"))).toBe("accepted");
    expect(
      await reason(v.verify(headers({ [SIGNATURE_HEADER]: await signWebhook("retired", BODY, T) }), BODY)),
    ).toBe("bad_signature");
  });

  test("a replay carrying only the other rotation signature is still a replay", async () => {
    const v = createWebhookVerifier({ secrets: ["new-secret", "old-secret"], now });
    const withNew = await signWebhook("new-secret", BODY, T);
    const withOld = await signWebhook("old-secret", BODY, T);
    const both = `${withNew},v1=${withOld.slice(-64)}`;
    expect(await reason(v.verify(headers({ [SIGNATURE_HEADER]: both }), BODY))).toBe("accepted");
    expect(await reason(v.verify(headers({ [SIGNATURE_HEADER]: withOld }), BODY))).toBe("replay");
  });

  test("two concurrent copies: exactly one passes", async () => {
    const v = createWebhookVerifier({ secrets: ["s3cret"], now });
    const h = headers({ [SIGNATURE_HEADER]: await signWebhook("s3cret", BODY, T) });
    const results = await Promise.all([reason(v.verify(h, BODY)), reason(v.verify(h, BODY))]);
    expect(results.sort()).toEqual(["accepted", "replay"]);
  });

  test("GitHub's X-Hub-Signature-256", async () => {
    const v = createWebhookVerifier({ secrets: ["gh-secret"], now });
    const good = headers({ [GITHUB_SIGNATURE_HEADER]: await signGithubWebhook("gh-secret", BODY) });
    expect(await v.verify(good, BODY)).toEqual({ scheme: "github", secretIndex: 0 });
    expect(await reason(v.verify(good, `${BODY} `))).toBe("bad_signature");
    expect(await reason(v.verify(good, BODY))).toBe("replay");
    const off = createWebhookVerifier({ secrets: ["gh-secret"], now, allowGithub: false });
    expect(await reason(off.verify(good, BODY))).toBe("missing");
  });

  test("missing and malformed headers", async () => {
    const v = createWebhookVerifier({ secrets: ["s3cret"], now });
    expect(await reason(v.verify(headers({}), BODY))).toBe("missing");
    for (const bad of [
      "",
      "t=abc,v1=00",
      `t=${T}`,
      `v1=${"a".repeat(64)}`,
      `t=${T},v1=${"z".repeat(64)}`,
      "garbage",
    ]) {
      expect(await reason(v.verify(headers({ [SIGNATURE_HEADER]: bad }), BODY))).toBe("malformed");
    }
    for (const bad of ["sha1=abcd", `sha256=${"g".repeat(64)}`, "sha256="]) {
      expect(await reason(v.verify(headers({ [GITHUB_SIGNATURE_HEADER]: bad }), BODY))).toBe("malformed");
    }
    expect(() => createWebhookVerifier({ secrets: [], now })).toThrow();
    expect(() => createWebhookVerifier({ secrets: [""], now })).toThrow();
  });

  test("the replay memory is bounded", async () => {
    const v = createWebhookVerifier({ secrets: ["s3cret"], now, replayCacheSize: 2 });
    const sigs = await Promise.all([0, 1, 2].map((i) => signWebhook("s3cret", `${BODY}${i}`, T)));
    for (const [i, s] of sigs.entries()) await v.verify(headers({ [SIGNATURE_HEADER]: s }), `${BODY}${i}`);
    // The oldest was forgotten (the cap trades memory for a gap at the oldest end); the newest are refused.
    expect(await reason(v.verify(headers({ [SIGNATURE_HEADER]: sigs[2] as string }), `${BODY}2`))).toBe(
      "replay",
    );
    expect(await reason(v.verify(headers({ [SIGNATURE_HEADER]: sigs[0] as string }), `${BODY}0`))).toBe(
      "accepted",
    );
  });
});
