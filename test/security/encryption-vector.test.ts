import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createPayloadCipher } from "../../src/security/encryption.ts";

/** The vector block of docs/security.md §5: the document and the code must agree. */
function vector(): Record<string, string> {
  const doc = readFileSync(join(import.meta.dir, "../../docs/security.md"), "utf8");
  const block = /```text\n(key:[\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error("no test vector block in docs/security.md");
  return Object.fromEntries(
    block
      .trim()
      .split("\n")
      .map((line) => {
        const colon = line.indexOf(":");
        return [line.slice(0, colon), line.slice(colon + 1).trim()];
      }),
  );
}

const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

describe("docs/security.md encryption test vector", () => {
  test("encrypting with the documented key and IV gives the documented bytes, and they decrypt", async () => {
    const v = vector();
    const iv = hex(v.iv as string);
    const cipher = await createPayloadCipher(v.key as string, { fillIv: (out) => out.set(iv) });
    const plain = new TextEncoder().encode(v.plaintext);
    expect(Buffer.from(await cipher.encryptPayload(plain)).toString("hex")).toBe(v.sealed as string);
    const aad = hex(v.aad2 as string);
    expect(Buffer.from(await cipher.encryptPayload(plain, aad)).toString("hex")).toBe(v.sealed2 as string);
    expect(await cipher.decryptPayload(hex(v.sealed2 as string), aad)).toEqual(plain);
  });
});
