import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair } from "jose";
import type { AsymmetricAlgorithm } from "../../src/security/tokens.ts";

export const SECRET = "a-test-secret-that-is-at-least-32-bytes-long";
export const OTHER_SECRET = "another-secret-that-is-at-least-32-bytes-long";

export interface PemPair {
  algorithm: AsymmetricAlgorithm;
  publicKey: string;
  privateKey: string;
}

/** A fresh key pair exported as PEM, as an operator would hold it on disk. */
export async function pemPair(algorithm: AsymmetricAlgorithm): Promise<PemPair> {
  const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true });
  return { algorithm, publicKey: await exportSPKI(publicKey), privateKey: await exportPKCS8(privateKey) };
}

/** A public JWK for a JWKS document. */
export async function publicJwk(pair: PemPair, kid: string) {
  const { importSPKI } = await import("jose");
  const jwk = await exportJWK(await importSPKI(pair.publicKey, pair.algorithm, { extractable: true }));
  return { ...jwk, kid, alg: pair.algorithm, use: "sig" };
}

export const b64url = (s: string): string => Buffer.from(s).toString("base64url");
