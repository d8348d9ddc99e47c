import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { TacError } from "../../src/protocol/errors.ts";
import type { AuthError } from "../../src/security/token-error.ts";
import { createTokenVerifier, signToken } from "../../src/security/tokens.ts";
import { OTHER_SECRET, pemPair, publicJwk, SECRET } from "./keys.ts";

const T0 = Date.UTC(2025, 7, 25, 12, 0, 0);
const at = (ms: number) => () => ms;

async function reasonOf(p: Promise<unknown>): Promise<string> {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as AuthError | null;
  if (err === null) return "accepted";
  expect(err).toBeInstanceOf(TacError);
  expect(err.code).toBe("UNAUTHORIZED");
  expect(err.status).toBe(401);
  return err.reason;
}

describe("createTokenVerifier (HS256)", () => {
  test("a valid token yields the principal with compiled grants and exp", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now: at(T0) });
    const token = await signToken(
      { sub: "analyst-7", subscribe: ["threats.*"], publish: ["kev"], expiresInSec: 600 },
      { secret: SECRET },
      { now: at(T0) },
    );
    const p = await verify(token);
    expect(p.sub).toBe("analyst-7");
    expect(p.exp).toBe(T0 + 600_000); // epoch ms, like the hub's Principal
    expect(p.canSubscribe("threats.apt1")).toBe(true);
    expect(p.canPublish("threats.apt1")).toBe(false);
    expect(p.subscribe.allows("threats.apt1")).toBe(true);
    expect(p.subscribe.allows("kev")).toBe(false);
    expect(p.publish.match("kev")).toBe("kev");
  });

  test("missing and malformed tokens", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now: at(T0) });
    expect(await reasonOf(verify(undefined))).toBe("missing");
    expect(await reasonOf(verify(""))).toBe("missing");
    expect(await reasonOf(verify("not-a-jwt"))).toBe("malformed");
    expect(await reasonOf(verify("a.b.c"))).toBe("malformed");
    expect(await reasonOf(verify(`eyJ${"A".repeat(9000)}`))).toBe("malformed");
  });

  test("clock tolerance: 5 s by default, configurable", async () => {
    const token = await signToken({ sub: "s", expiresInSec: 60 }, { secret: SECRET }, { now: at(T0) });
    const lenient = await createTokenVerifier({ secret: SECRET, now: at(T0 + 64_000) });
    expect(await reasonOf(lenient(token))).toBe("accepted");
    const strict = await createTokenVerifier({ secret: SECRET, now: at(T0 + 61_000), clockToleranceSec: 0 });
    expect(await reasonOf(strict(token))).toBe("expired");
  });

  test("requireExp, issuer and audience", async () => {
    const forever = await signToken({ sub: "svc", expiresInSec: null }, { secret: SECRET }, { now: at(T0) });
    expect(await reasonOf((await createTokenVerifier({ secret: SECRET, now: at(T0) }))(forever))).toBe(
      "accepted",
    );
    const strict = await createTokenVerifier({ secret: SECRET, now: at(T0), requireExp: true });
    expect(await reasonOf(strict(forever))).toBe("claims");

    const scoped = await createTokenVerifier({
      secret: SECRET,
      now: at(T0),
      issuer: "tacstream",
      audience: "edge",
    });
    const right = await signToken(
      { sub: "s", issuer: "tacstream", audience: "edge" },
      { secret: SECRET },
      { now: at(T0) },
    );
    const wrong = await signToken(
      { sub: "s", issuer: "other", audience: "edge" },
      { secret: SECRET },
      { now: at(T0) },
    );
    expect(await reasonOf(scoped(right))).toBe("accepted");
    expect(await reasonOf(scoped(wrong))).toBe("claims");
  });

  test("claims that do not fit are refused as claims", async () => {
    const verify = await createTokenVerifier({ secret: SECRET, now: at(T0) });
    const key = new TextEncoder().encode(SECRET);
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: "HS256" })
        .setIssuedAt(T0 / 1000)
        .sign(key);
    expect(await reasonOf(verify(await sign({ subscribe: ["kev"] })))).toBe("claims"); // no sub
    expect(await reasonOf(verify(await sign({ sub: "s", subscribe: "kev" })))).toBe("claims");
    expect(await reasonOf(verify(await sign({ sub: "s", subscribe: ["thr*"] })))).toBe("claims");
  });

  test("a short secret is refused at build time; signToken refuses bad grants", async () => {
    await expect(createTokenVerifier({ secret: "short" })).rejects.toThrow(/at least 32 bytes/);
    await expect(signToken({ sub: "s", subscribe: ["*.kev"] }, { secret: SECRET })).rejects.toThrow(TacError);
  });
});

describe("createTokenVerifier (public keys)", () => {
  for (const algorithm of ["ES256", "EdDSA", "RS256"] as const) {
    test(`${algorithm} from a PEM public key`, async () => {
      const pair = await pemPair(algorithm);
      const verify = await createTokenVerifier({ publicKey: pair.publicKey, algorithm, now: at(T0) });
      const token = await signToken({ sub: "node-1", publish: ["*"] }, pair, { now: at(T0) });
      expect((await verify(token)).publish.allows("kev")).toBe(true);

      const stranger = await pemPair(algorithm);
      expect(await reasonOf(verify(await signToken({ sub: "x" }, stranger, { now: at(T0) })))).toBe(
        "bad_signature",
      );
      expect(
        await reasonOf(verify(await signToken({ sub: "x" }, { secret: OTHER_SECRET }, { now: at(T0) }))),
      ).toBe("alg");
    });
  }

  test("a JWKS picks the key by kid; an unknown kid is refused", async () => {
    const k1 = await pemPair("ES256");
    const k2 = await pemPair("EdDSA");
    const jwks = { keys: [await publicJwk(k1, "k1"), await publicJwk(k2, "k2")] };
    const verify = await createTokenVerifier({ jwks, now: at(T0) });
    expect((await verify(await signToken({ sub: "a" }, k1, { now: at(T0), kid: "k1" }))).sub).toBe("a");
    expect((await verify(await signToken({ sub: "b" }, k2, { now: at(T0), kid: "k2" }))).sub).toBe("b");
    const k3 = await pemPair("ES256");
    expect(await reasonOf(verify(await signToken({ sub: "c" }, k3, { now: at(T0), kid: "k3" })))).toBe(
      "unknown_key",
    );
    expect(await reasonOf(verify(await signToken({ sub: "c" }, k3, { now: at(T0), kid: "k1" })))).toBe(
      "bad_signature",
    );
  });

  test("unreadable key material is a configuration error", async () => {
    await expect(
      createTokenVerifier({ publicKey: "-----BEGIN PUBLIC KEY-----\nxx", algorithm: "ES256" }),
    ).rejects.toThrow(/SPKI/);
    await expect(createTokenVerifier({ jwks: { keys: "nope" } as never })).rejects.toThrow(
      /JSON Web Key Set/,
    );
  });
});
