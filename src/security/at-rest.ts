import { chmod, mkdir } from "node:fs/promises";
import type { PayloadCipher } from "./encryption.ts";

/**
 * What every file the node writes under DATA_DIR shares: owner-only modes, and text sealed with the
 * ENCRYPTION_KEYS cipher when one is set. The context string is bound to the ciphertext as associated
 * data, so a sealed line cannot be moved from one file (or feed) to another and still open.
 */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Creates `dir` (and parents) owner-only; an existing one is tightened (it may predate this rule). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
}

export interface TextSealer {
  /** The text as stored: itself without a cipher, else base64 of its sealed bytes (one line, no newline). */
  seal(text: string): Promise<string>;
  /**
   * The text back. A line written before ENCRYPTION_KEYS was set (recognised by `isPlain`) is read as is.
   * @throws EncryptionError when a sealed line does not open (removed key, altered bytes).
   */
  open(stored: string): Promise<string>;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

export function textSealer(
  cipher: PayloadCipher | undefined,
  context: string,
  isPlain: (stored: string) => boolean,
): TextSealer {
  const aad = utf8.encode(context);
  if (cipher === undefined) return { seal: async (t) => t, open: async (s) => s };
  return {
    async seal(text) {
      return Buffer.from(await cipher.encryptPayload(utf8.encode(text), aad)).toString("base64");
    },
    async open(stored) {
      if (isPlain(stored)) return stored;
      return fromUtf8.decode(await cipher.decryptPayload(Buffer.from(stored, "base64"), aad));
    },
  };
}
