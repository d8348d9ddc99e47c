/**
 * The attack table of issue 4, one test per row, at the library level. The server tests repeat the rows
 * that matter over real HTTP/WebSocket; these prove each defence exists on its own.
 */
import { describe, expect, test } from "bun:test";
import { TacError } from "../../src/protocol/errors.ts";
import { createOriginPolicy } from "../../src/security/origin.ts";
import { parseJsonSafe } from "../../src/security/safe-json.ts";
import type { AuthError } from "../../src/security/token-error.ts";
import { createTokenVerifier, signToken } from "../../src/security/tokens.ts";
import {
  createWebhookVerifier,
  SIGNATURE_HEADER,
  signWebhook,
} from "../../src/security/webhook-signature.ts";
import { b64url, OTHER_SECRET, pemPair, SECRET } from "./keys.ts";

const T0 = Date.UTC(2025, 7, 25, 12, 0, 0);
const now = () => T0;

async function refusal(p: Promise<unknown>): Promise<AuthError> {
  const e = await p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (x: unknown) => x as AuthError,
  );
  expect(e).toBeInstanceOf(TacError);
  expect(e.code).toBe("UNAUTHORIZED");
  return e;
}

describe("attack table", () => {
  test("alg none", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now });
    const unsigned = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(`{"sub":"mallory","subscribe":["*"],"exp":${T0 / 1000 + 60}}`)}.`;
    expect((await refusal(verify(unsigned))).reason).toBe("alg");
    // Also against a public-key verifier, and with the HS256-with-public-key confusion.
    const pair = await pemPair("RS256");
    const rs = await createTokenVerifier({ publicKey: pair.publicKey, algorithm: "RS256", now });
    expect((await refusal(rs(unsigned))).reason).toBe("alg");
    const confused = await signToken({ sub: "mallory" }, { secret: pair.publicKey }, { now });
    expect((await refusal(rs(confused))).reason).toBe("alg");
  });

  test("token signed with another key", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now });
    const forged = await signToken({ sub: "mallory", publish: ["*"] }, { secret: OTHER_SECRET }, { now });
    expect((await refusal(verify(forged))).reason).toBe("bad_signature");
  });

  test("tampered payload", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now });
    const token = await signToken({ sub: "analyst", subscribe: ["public.*"] }, { secret: SECRET }, { now });
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const widened = b64url(JSON.stringify({ ...claims, subscribe: ["*"] }));
    expect((await refusal(verify(`${header}.${widened}.${signature}`))).reason).toBe("bad_signature");
  });

  test("expired", async () => {
    const token = await signToken({ sub: "analyst", expiresInSec: 60 }, { secret: SECRET }, { now });
    const later = await createTokenVerifier({ secret: SECRET, now: () => T0 + 3_600_000 });
    const e = await refusal(later(token));
    expect(e.reason).toBe("expired");
    expect(e.message).toBe("token expired");
  });

  test("nbf in the future", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now });
    const early = await signToken({ sub: "analyst", notBeforeSec: 600 }, { secret: SECRET }, { now });
    expect((await refusal(verify(early))).reason).toBe("nbf");
  });

  test("missing grants", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now });
    const p = await verify(await signToken({ sub: "nobody" }, { secret: SECRET }, { now }));
    expect(p.subscribe.allows("threats.kev")).toBe(false);
    expect(p.publish.allows("threats.kev")).toBe(false);
  });

  test("wildcard abuse: threats.* does not grant threatsX, threatsx or threats", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now });
    const p = await verify(
      await signToken({ sub: "a", subscribe: ["threats.*"] }, { secret: SECRET }, { now }),
    );
    expect(p.subscribe.allows("threats.apt1")).toBe(true);
    for (const id of ["threatsX", "threatsx", "threats", "threats-x", "xthreats.apt1", "threats..x"]) {
      expect(p.subscribe.allows(id)).toBe(false);
    }
  });

  test("wrong origin", () => {
    const policy = createOriginPolicy("https://console.example.com,https://*.soc.example.com");
    for (const o of [
      "https://evil.example",
      "https://console.example.com.evil.example",
      "http://console.example.com",
      "null",
    ]) {
      expect(policy.allows(o)).toBe(false);
    }
    expect(policy.allows("https://console.example.com")).toBe(true);
  });

  test("replayed webhook: the same signature twice, and an old timestamp", async () => {
    const body = '{"priority":"critical","payload":{}}';
    const verifier = createWebhookVerifier({ secrets: ["hook-secret"], now });
    const h = new Headers({ [SIGNATURE_HEADER]: await signWebhook("hook-secret", body, T0 / 1000) });
    await verifier.verify(h, body);
    expect((await refusal(verifier.verify(h, body))).reason).toBe("replay");
    const old = new Headers({ [SIGNATURE_HEADER]: await signWebhook("hook-secret", body, T0 / 1000 - 3600) });
    expect((await refusal(verifier.verify(old, body))).reason).toBe("expired");
  });

  test("body altered after signing", async () => {
    const body = '{"priority":"low","payload":{"title":"benign"}}';
    const verifier = createWebhookVerifier({ secrets: ["hook-secret"], now });
    const h = new Headers({ [SIGNATURE_HEADER]: await signWebhook("hook-secret", body, T0 / 1000) });
    const altered = body.replace("low", "critical");
    expect((await refusal(verifier.verify(h, altered))).reason).toBe("bad_signature");
    // Altering the signed timestamp to slip back into the window breaks the signature too.
    const moved = h.get(SIGNATURE_HEADER)?.replace(`t=${T0 / 1000}`, `t=${T0 / 1000 + 1}`) as string;
    expect((await refusal(verifier.verify(new Headers({ [SIGNATURE_HEADER]: moved }), body))).reason).toBe(
      "bad_signature",
    );
  });

  test("10,000-level nested JSON is refused fast, before parsing", () => {
    const bomb = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const arrays = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    for (const body of [bomb, arrays]) {
      const started = performance.now();
      let error: unknown;
      try {
        parseJsonSafe(body);
      } catch (e) {
        error = e;
      }
      expect((error as TacError).code).toBe("BAD_JSON");
      expect(performance.now() - started).toBeLessThan(5);
    }
  });

  test("__proto__ keys cannot pollute Object.prototype through a later merge", () => {
    const parsed = parseJsonSafe(
      '{"payload":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}',
    );
    // The naive deep merge found in many codebases: exactly what pollution exploits.
    const merge = (
      target: Record<string, unknown>,
      source: Record<string, unknown>,
    ): Record<string, unknown> => {
      for (const key of Object.keys(source)) {
        const value = source[key];
        if (value !== null && typeof value === "object") {
          target[key] ??= {};
          merge(target[key] as Record<string, unknown>, value as Record<string, unknown>);
        } else target[key] = value;
      }
      return target;
    };
    merge({}, parsed as Record<string, unknown>);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
    expect(Object.keys((parsed as { payload: object }).payload)).toEqual([]);
  });
});
