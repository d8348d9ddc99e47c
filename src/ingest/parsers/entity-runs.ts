/**
 * A pre-pass that makes linkedom build far fewer nodes for feeds that carry escaped HTML.
 *
 * htmlparser2 reports `&lt;p&gt;Hi&lt;/p&gt;` as five separate text events and linkedom makes each one a
 * Text node (each costing a WeakMap entry). A Blogger Atom feed of 288 kB became 663 elements and
 * 14,416 text nodes, and node creation was 40 % of the parse. Rewriting such a text run as one CDATA
 * section with the entities already decoded yields the same `textContent` from a single node.
 *
 * Conservative on purpose: only runs between a `>` and the next `<` with no `>` inside are touched (a `>`
 * inside an attribute value cannot start one: the tag's own `>` would lie inside the run), CDATA sections
 * and comments are copied as they are, and a run holding a reference this decoder does not reproduce
 * exactly is left for htmlparser2.
 */
const SKIP_RE = /<!\[CDATA\[|<!--/g;
// The first class excludes "&" so a run splits one way only: no backtracking over every "&" in it.
const RUN_RE = />([^<>&]*&[^<>]*)(?=<)/g;
const NAMED = new Map([
  ["lt", "<"],
  ["gt", ">"],
  ["amp", "&"],
  ["quot", '"'],
  ["apos", "'"],
]);
const C1 = new TextDecoder("windows-1252");
const DEC_RE = /^[0-9]{1,8}$/;
const HEX_RE = /^[0-9a-fA-F]{1,8}$/;

/** Code points as htmlparser2 decodes them: invalid ones become U+FFFD, C1 controls windows-1252. */
function codePoint(cp: number): string {
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return "\ufffd";
  if (cp >= 0x80 && cp <= 0x9f) return C1.decode(Uint8Array.of(cp));
  return String.fromCodePoint(cp);
}

/** The five XML entities and numeric references decoded; other `&name;` stay literal, as in xmlMode. */
function decodeRun(run: string): string | undefined {
  let out = "";
  let last = 0;
  let i = run.indexOf("&");
  while (i >= 0) {
    const numeric = run.charCodeAt(i + 1) === 0x23;
    const semi = run.indexOf(";", i + 1);
    let rep: string | undefined;
    if (semi > 0 && semi - i <= 11) {
      const body = run.slice(i + 1, semi);
      if (!numeric) rep = NAMED.get(body);
      else if (body[1] === "x" || body[1] === "X") {
        if (HEX_RE.test(body.slice(2))) rep = codePoint(Number.parseInt(body.slice(2), 16));
      } else if (DEC_RE.test(body.slice(1))) rep = codePoint(Number.parseInt(body.slice(1), 10));
    }
    // Numeric references without their `;` have subtle legacy rules; let the real parser have them.
    if (rep === undefined && numeric) return undefined;
    if (rep === undefined) {
      i = run.indexOf("&", i + 1);
      continue;
    }
    out += run.slice(last, i) + rep;
    last = semi + 1;
    i = run.indexOf("&", last);
  }
  return out + run.slice(last);
}

function rewriteSegment(segment: string): string {
  return segment.replace(RUN_RE, (whole, run: string) => {
    const decoded = decodeRun(run);
    if (decoded === undefined) return whole;
    return `><![CDATA[${decoded.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
  });
}

export function coalesceEntityRuns(xml: string): string {
  if (xml.indexOf("&") < 0) return xml;
  const parts: string[] = [];
  let pos = 0;
  for (;;) {
    SKIP_RE.lastIndex = pos;
    const m = SKIP_RE.exec(xml);
    parts.push(rewriteSegment(xml.slice(pos, m === null ? xml.length : m.index)));
    if (m === null) break;
    const close = m[0] === "<!--" ? "-->" : "]]>";
    const stop = xml.indexOf(close, m.index + m[0].length);
    pos = stop < 0 ? xml.length : stop + close.length;
    parts.push(xml.slice(m.index, pos));
    if (pos >= xml.length) break;
  }
  return parts.join("");
}
