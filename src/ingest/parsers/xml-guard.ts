import { TacError } from "../../protocol/errors.ts";

/**
 * Refuses a document whose DOCTYPE declares entities, before any parser sees it: entity expansion is how
 * "billion laughs" turns a kilobyte into gigabytes, and external entities read local files. No feed needs
 * them. Only the prolog is examined, so an article that merely quotes `<!ENTITY` in its text still parses.
 */
export function assertNoEntityDeclarations(text: string): void {
  let p = 0;
  const n = text.length;
  while (p < n) {
    const c = text.charCodeAt(p);
    // Whitespace, including a decoded byte order mark.
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) {
      p++;
      continue;
    }
    if (text.startsWith("<?", p)) {
      const end = text.indexOf("?>", p + 2);
      if (end < 0) return;
      p = end + 2;
      continue;
    }
    if (text.startsWith("<!--", p)) {
      const end = text.indexOf("-->", p + 4);
      if (end < 0) return;
      p = end + 3;
      continue;
    }
    if (text.slice(p, p + 9).toUpperCase() === "<!DOCTYPE") {
      checkDoctype(text, p);
      return;
    }
    return;
  }
}

function checkDoctype(text: string, start: number): void {
  const open = text.indexOf("[", start);
  const close = text.indexOf(">", start);
  if (open < 0 || (close >= 0 && close < open)) return;
  const subsetEnd = text.indexOf("]", open);
  const subset = text.slice(open, subsetEnd < 0 ? text.length : subsetEnd);
  if (/<!ENTITY/i.test(subset)) {
    throw TacError.validation("XML documents with entity declarations (<!ENTITY) are refused");
  }
}
