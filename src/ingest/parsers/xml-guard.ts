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

/**
 * Refuses a document that stops before its root element closes. The XML parser is lenient: a feed cut
 * by a dropped connection or a proxy's size limit parses as the items before the cut, and "ok, fewer
 * items" would hide the loss of the rest. Only comments, processing instructions and whitespace may
 * follow the root's end tag.
 */
export function assertRootClosed(text: string, rootTag: string): void {
  let end = text.length;
  for (;;) {
    while (end > 0 && /\s/.test(text[end - 1]!)) end--;
    if (text.endsWith("-->", end)) {
      const open = text.lastIndexOf("<!--", end - 3);
      if (open < 0) break;
      end = open;
    } else if (text.endsWith("?>", end)) {
      const open = text.lastIndexOf("<?", end - 2);
      if (open < 0) break;
      end = open;
    } else break;
  }
  const tail = text.slice(Math.max(0, end - rootTag.length - 64), end);
  if (!new RegExp(`</${rootTag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*>$`).test(tail)) {
    throw TacError.validation(`document is truncated: it ends before </${rootTag}>`);
  }
}
