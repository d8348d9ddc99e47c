import { DOMParser } from "linkedom";

/** The DOM surface the walk needs; linkedom's own types are wider and not quite the lib.dom ones. */
interface TextNode {
  nodeType: number;
  localName?: string;
  nodeValue: string | null;
  firstChild: TextNode | null;
  nextSibling: TextNode | null;
  parentNode: TextNode | null;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
/** Elements whose end is a line break in rendered text: "a</p><p>b" reads as "a b", not "ab". */
const BLOCK = new Set(
  "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table td th tr ul".split(
    " ",
  ),
);
const HIDDEN = new Set(["script", "style", "template", "noscript", "head", "title", "iframe", "object"]);
const WS_RE = /\s+/g;

export function collapseWhitespace(s: string): string {
  return s.replace(WS_RE, " ").trim();
}

/**
 * HTML (a feed's description or content) → one line of plain text: markup dropped, entities decoded,
 * scripts and styles left out, blocks separated by a space, whitespace collapsed. Plain text without
 * `<` or `&` skips the HTML parser, which is most titles and many descriptions.
 */
export function htmlToText(html: string): string {
  if (html.indexOf("<") < 0 && html.indexOf("&") < 0) return collapseWhitespace(html);
  const doc = new DOMParser().parseFromString(html, "text/html") as unknown as TextNode;
  const parts: string[] = [];
  let node: TextNode | null = doc.firstChild;
  while (node !== null) {
    let descend = false;
    if (node.nodeType === TEXT || node.nodeType === CDATA) {
      parts.push(node.nodeValue ?? "");
    } else if (node.nodeType === ELEMENT) {
      const name = node.localName ?? "";
      if (BLOCK.has(name)) parts.push(" ");
      descend = !HIDDEN.has(name);
    }
    if (descend && node.firstChild !== null) {
      node = node.firstChild;
      continue;
    }
    while (node !== null && node.nextSibling === null) {
      node = node.parentNode;
      if (node === doc) node = null;
      else if (node !== null && BLOCK.has(node.localName ?? "")) parts.push(" ");
    }
    if (node !== null) node = node.nextSibling;
  }
  return collapseWhitespace(parts.join(""));
}
