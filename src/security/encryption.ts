import { createCipheriv, createDecipheriv } from "node:crypto";
import { ErrorCode, TacError } from "../protocol/errors.ts";
import { asBufferSource } from "./bytes.ts";

/**
 * Payload encryption at rest: AES-256-GCM with a random 96-bit IV per message. The encrypted payload is
 *
 *     u8 keyIdLength (1..64) | keyId (ASCII, keyIdLength bytes) | IV (12 bytes) | ciphertext ‖ GCM tag (16 bytes)
 *
 * and the frame that carries it sets flags bit0 (`Flag.encrypted`). Naming the key in every payload is
 * what makes rotation free: new messages use the current key, old ones still name theirs.
 */
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KID_RE = /^[A-Za-z0-9._-]{1,64}$/;

export interface EncryptionKey {
  kid: string;
  /** 32 raw bytes. */
  key: Uint8Array;
}

export type EncryptionFailure = "unknown_key" | "malformed" | "auth_failed";

/** A payload that cannot be decrypted: the key is not configured, the layout is broken, or it was altered. */
export class EncryptionError extends TacError {
  readonly reason: EncryptionFailure;
  constructor(reason: EncryptionFailure, message: string, cause?: unknown) {
    super(ErrorCode.Internal, message, cause === undefined ? {} : { cause });
    this.reason = reason;
  }
}

function decodeBase64(text: string): Uint8Array | null {
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std)) return null;
  try {
    const bin = atob(std.padEnd(Math.ceil(std.length / 4) * 4, "="));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Parses `ENCRYPTION_KEYS` = `kid1:base64key,kid2:base64key` — the first is the current key (used to
 * write), all are used to read. Generate a key with `openssl rand -base64 32`.
 * @throws TacError VALIDATION naming the bad entry (never echoing key material).
 */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const entries = spec
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw TacError.validation("ENCRYPTION_KEYS holds no key", "ENCRYPTION_KEYS");
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(":");
    const kid = entry.slice(0, colon);
    const key = colon > 0 ? decodeBase64(entry.slice(colon + 1)) : null;
    const path = `ENCRYPTION_KEYS[${i}]`;
    if (!KID_RE.test(kid)) throw TacError.validation("key id must match [A-Za-z0-9._-]{1,64}", path);
    if (key === null || key.byteLength !== KEY_BYTES) {
      throw TacError.validation(`key ${kid} must be ${KEY_BYTES} bytes of base64`, path);
    }
    if (keys.some((k) => k.kid === kid)) throw TacError.validation(`key id ${kid} appears twice`, path);
    keys.push({ kid, key });
  });
  return keys;
}

export interface PayloadCipher {
  /** The key id new payloads are encrypted with. */
  readonly currentKid: string;
  /** @param aad - bytes bound to the ciphertext without being stored (e.g. the message id). */
  encryptPayload(plain: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  /** @throws EncryptionError "unknown_key", "malformed", or "auth_failed" (altered, or wrong `aad`). */
  decryptPayload(sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  /**
   * The same as `encryptPayload`, same layout, synchronously (node:crypto). The journal's hot path
   * seals and opens every message: for a few hundred bytes, a WebCrypto promise (and its hand-off)
   * costs more than the AES-GCM itself.
   */
  sealSync(plain: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Bytes `sealSync` makes of `plainLength` bytes. */
  sealedLength(plainLength: number): number;
  /**
   * `sealSync` writing its `sealedLength(plain.byteLength)` bytes into `out` at `at`: the journal seals
   * a whole batch into one buffer, without a result buffer per message.
   */
  sealSyncInto(
    plain: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array<ArrayBuffer>,
    at: number,
  ): void;
  /** The same as `decryptPayload`, synchronously; reads what either form wrote. */
  openSync(sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
}

export interface PayloadCipherOptions {
  /** Fills an IV; injected only for test vectors — production must use the default CSPRNG. */
  fillIv?: (iv: Uint8Array<ArrayBuffer>) => void;
}

const ascii = new TextEncoder();
const asciiDecoder = new TextDecoder();

/**
 * Imports the keys once and returns the cipher. Random 96-bit IVs are safe for about 2^32 messages per
 * key (NIST SP 800-38D); rotate well before that.
 * @param keys - the `ENCRYPTION_KEYS` string or parsed keys; the first is current.
 */
export async function createPayloadCipher(
  keys: string | readonly EncryptionKey[],
  options: PayloadCipherOptions = {},
): Promise<PayloadCipher> {
  const list = typeof keys === "string" ? parseEncryptionKeys(keys) : keys;
  const first = list[0];
  if (first === undefined)
    throw TacError.validation("at least one encryption key is required", "ENCRYPTION_KEYS");
  const imported = new Map<string, CryptoKey>();
  const raw = new Map<string, Uint8Array>();
  for (const { kid, key } of list) {
    if (!KID_RE.test(kid) || key.byteLength !== KEY_BYTES)
      throw TacError.validation(`bad encryption key ${kid}`);
    raw.set(kid, key);
    imported.set(
      kid,
      await crypto.subtle.importKey("raw", asBufferSource(key), "AES-GCM", false, ["encrypt", "decrypt"]),
    );
  }
  const current = imported.get(first.kid) as CryptoKey;
  const currentRaw = first.key;
  const kidBytes = ascii.encode(first.kid);
  const fillIv = options.fillIv ?? ((iv: Uint8Array<ArrayBuffer>) => crypto.getRandomValues(iv));
  const params = (iv: Uint8Array<ArrayBuffer>, aad?: Uint8Array): AesGcmParams =>
    aad === undefined
      ? { name: "AES-GCM", iv }
      : { name: "AES-GCM", iv, additionalData: asBufferSource(aad) };

  /** kid, IV and the ciphertext ‖ tag of a sealed payload; throws "malformed" / "unknown_key". */
  const parse = <K>(sealed: Uint8Array, keys: Map<string, K>) => {
    const kidLength = sealed[0] ?? 0;
    const headerLength = 1 + kidLength + IV_BYTES;
    if (kidLength === 0 || sealed.byteLength < headerLength + TAG_BYTES) {
      throw new EncryptionError("malformed", "encrypted payload is too short");
    }
    const kid = asciiDecoder.decode(sealed.subarray(1, 1 + kidLength));
    const key = keys.get(kid);
    if (key === undefined)
      throw new EncryptionError("unknown_key", `encryption key ${JSON.stringify(kid)} is not configured`);
    return { key, headerLength };
  };

  const sealedLength = (plainLength: number) => 1 + kidBytes.byteLength + IV_BYTES + plainLength + TAG_BYTES;
  const sealSyncInto = (
    plain: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array<ArrayBuffer>,
    at: number,
  ): void => {
    const ivAt = at + 1 + kidBytes.byteLength;
    const head = ivAt + IV_BYTES;
    const iv = out.subarray(ivAt, head);
    fillIv(iv);
    const c = createCipheriv("aes-256-gcm", currentRaw, iv);
    if (aad !== undefined) c.setAAD(aad);
    out[at] = kidBytes.byteLength;
    out.set(kidBytes, at + 1);
    const body = c.update(plain);
    const tail = c.final();
    out.set(body, head);
    out.set(tail, head + body.byteLength);
    out.set(c.getAuthTag(), head + body.byteLength + tail.byteLength);
  };

  return {
    currentKid: first.kid,

    sealedLength,
    sealSyncInto,

    sealSync(plain, aad) {
      const out = new Uint8Array(sealedLength(plain.byteLength));
      sealSyncInto(plain, aad, out, 0);
      return out;
    },

    openSync(sealed, aad) {
      const { key, headerLength } = parse(sealed, raw);
      const tagAt = sealed.byteLength - TAG_BYTES;
      try {
        const d = createDecipheriv("aes-256-gcm", key, sealed.subarray(1 + sealed[0]!, headerLength));
        d.setAuthTag(sealed.subarray(tagAt));
        if (aad !== undefined) d.setAAD(aad);
        const body = d.update(sealed.subarray(headerLength, tagAt));
        const tail = d.final();
        if (tail.byteLength === 0) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        const out = new Uint8Array(body.byteLength + tail.byteLength);
        out.set(body);
        out.set(tail, body.byteLength);
        return out;
      } catch (cause) {
        throw new EncryptionError("auth_failed", "encrypted payload failed authentication", cause);
      }
    },

    async encryptPayload(plain, aad) {
      const iv = new Uint8Array(IV_BYTES);
      fillIv(iv);
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(params(iv, aad), current, asBufferSource(plain)),
      );
      const out = new Uint8Array(1 + kidBytes.byteLength + IV_BYTES + sealed.byteLength);
      out[0] = kidBytes.byteLength;
      out.set(kidBytes, 1);
      out.set(iv, 1 + kidBytes.byteLength);
      out.set(sealed, 1 + kidBytes.byteLength + IV_BYTES);
      return out;
    },

    async decryptPayload(sealed, aad) {
      const kidLength = sealed[0] ?? 0;
      const headerLength = 1 + kidLength + IV_BYTES;
      if (kidLength === 0 || sealed.byteLength < headerLength + TAG_BYTES) {
        throw new EncryptionError("malformed", "encrypted payload is too short");
      }
      const kid = asciiDecoder.decode(sealed.subarray(1, 1 + kidLength));
      const key = imported.get(kid);
      if (key === undefined)
        throw new EncryptionError("unknown_key", `encryption key ${JSON.stringify(kid)} is not configured`);
      const iv = sealed.slice(1 + kidLength, headerLength);
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params(iv, aad), key, sealed.slice(headerLength)));
      } catch (cause) {
        throw new EncryptionError("auth_failed", "encrypted payload failed authentication", cause);
      }
    },
  };
}
