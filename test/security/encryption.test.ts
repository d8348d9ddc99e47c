import { describe, expect, test } from "bun:test";
import { TacError } from "../../src/protocol/errors.ts";
import {
  createPayloadCipher,
  type EncryptionError,
  parseEncryptionKeys,
} from "../../src/security/encryption.ts";

const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");
const K1 = `k1:${key(1)}`;
const K2 = `k2:${key(2)}`;
const text = new TextEncoder();
const PLAIN = text.encode('{"threatLevel":"critical","title":"CVE-2025-0001"}');

async function failure(p: Promise<unknown>): Promise<string> {
  const e = (await p.then(
    () => null,
    (x: unknown) => x,
  )) as EncryptionError | null;
  expect(e).toBeInstanceOf(TacError);
  return e?.reason ?? "none";
}

describe("parseEncryptionKeys", () => {
  test("kid:base64 pairs, first is current; url-safe base64 accepted", () => {
    const url = Buffer.alloc(32, 0xfb).toString("base64url");
    expect(parseEncryptionKeys(` ${K1}, k2:${url} `).map((k) => k.kid)).toEqual(["k1", "k2"]);
  });

  test("refuses bad entries without echoing key material", () => {
    for (const bad of ["", "k1", `:${key(1)}`, "k1:c2hvcnQ=", `k 1:${key(1)}`, `${K1},${K1}`, "k1:!!!"]) {
      let message = "";
      try {
        parseEncryptionKeys(bad);
      } catch (e) {
        expect((e as TacError).code).toBe("VALIDATION");
        message = (e as Error).message;
      }
      expect(message).not.toBe("");
      expect(message).not.toContain(key(1));
    }
  });
});

describe("createPayloadCipher", () => {
  test("round trip; the layout is [kidLen][kid][12-byte IV][ciphertext+16-byte tag]", async () => {
    const cipher = await createPayloadCipher(K1);
    const sealed = await cipher.encryptPayload(PLAIN);
    expect(sealed[0]).toBe(2);
    expect(new TextDecoder().decode(sealed.subarray(1, 3))).toBe("k1");
    expect(sealed.byteLength).toBe(1 + 2 + 12 + PLAIN.byteLength + 16);
    expect(await cipher.decryptPayload(sealed)).toEqual(PLAIN);
    // A fresh IV each time: the same plaintext never encrypts to the same bytes.
    expect(await cipher.encryptPayload(PLAIN)).not.toEqual(sealed);
  });

  test("matches an independent AES-256-GCM implementation (node:crypto) for a fixed IV", async () => {
    const { createDecipheriv } = await import("node:crypto");
    const cipher = await createPayloadCipher(K1, { fillIv: (iv) => iv.fill(7) });
    const sealed = await cipher.encryptPayload(PLAIN, text.encode("aad"));
    const body = sealed.subarray(15);
    const d = createDecipheriv("aes-256-gcm", Buffer.alloc(32, 1), Buffer.alloc(12, 7));
    d.setAAD(Buffer.from("aad"));
    d.setAuthTag(Buffer.from(body.subarray(body.byteLength - 16)));
    const plain = Buffer.concat([d.update(body.subarray(0, body.byteLength - 16)), d.final()]);
    expect(new Uint8Array(plain)).toEqual(PLAIN);
  });

  test("key rotation: encrypt with k1, make k2 current, old messages still decrypt", async () => {
    const before = await createPayloadCipher(K1);
    const old = await before.encryptPayload(PLAIN);
    const after = await createPayloadCipher(`${K2},${K1}`);
    expect(after.currentKid).toBe("k2");
    const fresh = await after.encryptPayload(PLAIN);
    expect(new TextDecoder().decode(fresh.subarray(1, 3))).toBe("k2");
    expect(await after.decryptPayload(old)).toEqual(PLAIN);
    expect(await after.decryptPayload(fresh)).toEqual(PLAIN);
    // Once k1 is retired, its messages fail with a typed error.
    expect(await failure((await createPayloadCipher(K2)).decryptPayload(old))).toBe("unknown_key");
  });

  test("tampering, a wrong AAD and truncation are refused with typed errors", async () => {
    const cipher = await createPayloadCipher(K1);
    const aad = text.encode("msg-id-1");
    const sealed = await cipher.encryptPayload(PLAIN, aad);
    expect(await cipher.decryptPayload(sealed, aad)).toEqual(PLAIN);
    expect(await failure(cipher.decryptPayload(sealed, text.encode("msg-id-2")))).toBe("auth_failed");
    expect(await failure(cipher.decryptPayload(sealed))).toBe("auth_failed");
    const flipped = sealed.slice();
    flipped[20] = (flipped[20] as number) ^ 1;
    expect(await failure(cipher.decryptPayload(flipped, aad))).toBe("auth_failed");
    expect(await failure(cipher.decryptPayload(sealed.subarray(0, 20), aad))).toBe("malformed");
    expect(await failure(cipher.decryptPayload(new Uint8Array(0)))).toBe("malformed");
  });

  test("an empty payload round-trips", async () => {
    const cipher = await createPayloadCipher(K1);
    expect(await cipher.decryptPayload(await cipher.encryptPayload(new Uint8Array(0)))).toEqual(
      new Uint8Array(0),
    );
  });
});
