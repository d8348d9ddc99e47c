/**
 * Bytes → text for XML feeds, in the order XML 1.0 (appendix F) and the web settle the charset: a byte
 * order mark, then the HTTP `Content-Type` charset, then the `<?xml … encoding="…"?>` declaration. With
 * none of them the bytes should be UTF-8; when they are not, they are windows-1252, which is what an
 * undeclared Latin-1 feed (common in the wild) really is, rather than a text full of U+FFFD.
 */
const PROLOG_SCAN = 512;
const LATIN1 = new TextDecoder("windows-1252");

function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (label === undefined || label.length === 0) return undefined;
  try {
    return new TextDecoder(label.trim().toLowerCase());
  } catch {
    // An unknown label is as good as none: fall through to the next source of truth.
    return undefined;
  }
}

/** The `charset` parameter of a Content-Type value, without quotes. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m?.[1];
}

function bomEncoding(b: Uint8Array): { label: string; skip: number } | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { label: "utf-8", skip: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { label: "utf-16le", skip: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { label: "utf-16be", skip: 2 };
  // "<?" in UTF-16 without a mark.
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return { label: "utf-16le", skip: 0 };
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return { label: "utf-16be", skip: 0 };
  return undefined;
}

/** The encoding named in the XML declaration, read as ASCII from the first bytes. */
export function prologEncoding(bytes: Uint8Array): string | undefined {
  const head = LATIN1.decode(bytes.subarray(0, PROLOG_SCAN));
  const m = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return m?.[1];
}

export function decodeFeedBytes(bytes: Uint8Array, contentType?: string): string {
  const bom = bomEncoding(bytes);
  if (bom !== undefined) return new TextDecoder(bom.label).decode(bytes.subarray(bom.skip));
  const declared = decoderFor(charsetOf(contentType)) ?? decoderFor(prologEncoding(bytes));
  // A declaration that says UTF-16 about bytes without a mark is a lie told by copy-paste; ignore it.
  if (declared !== undefined && !declared.encoding.startsWith("utf-16")) return declared.decode(bytes);
  try {
    // `stream` lets a document cut inside its last character still count as UTF-8.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}
