import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DOMParser } from "linkedom";
import { decodeFeedBytes } from "../../../src/ingest/parsers/charset.ts";
import { coalesceEntityRuns } from "../../../src/ingest/parsers/entity-runs.ts";
import { FIXTURES, fixture } from "./fixtures.ts";

interface El {
  tagName: string;
  textContent: string | null;
  firstElementChild: El | null;
  nextElementSibling: El | null;
  attributes: ArrayLike<{ name: string; value: string }>;
}

/** Every element as path, text and attributes: what the parsers can observe of a document. */
function observe(xml: string): string[] {
  const doc = new DOMParser().parseFromString(xml, "text/xml") as unknown as { documentElement: El | null };
  const out: string[] = [];
  const walk = (el: El, path: string) => {
    const p = `${path}/${el.tagName}`;
    const attrs = Array.from(el.attributes, (a) => `${a.name}=${a.value}`).join(",");
    out.push(`${p}[${attrs}]=${el.textContent}`);
    for (let c = el.firstElementChild; c !== null; c = c.nextElementSibling) walk(c, p);
  };
  if (doc.documentElement) walk(doc.documentElement, "");
  return out;
}

describe("coalesceEntityRuns", () => {
  test.each(readdirSync(join(FIXTURES, "feeds", "input")))("%s: the DOM observed is unchanged", (file) => {
    const xml = decodeFeedBytes(fixture("feeds", "input", file));
    expect(observe(coalesceEntityRuns(xml))).toEqual(observe(xml));
  });

  test("an escaped-HTML run becomes one CDATA section with the same text", () => {
    expect(coalesceEntityRuns("<d>&lt;p&gt;a &amp; b&#233;&#x1F600;&lt;/p&gt;</d>")).toBe(
      "<d><![CDATA[<p>a & bé😀</p>]]></d>",
    );
  });

  test("CDATA sections, comments, attribute values and ']]>' in the text are handled", () => {
    const cases = [
      "<r><![CDATA[<b>&amp;</b>]]><c>&amp;</c></r>",
      "<r><!-- <b>&gt;--&gt;</b> --><c>x &lt; y</c></r>",
      "<r><a t=\"x>y\">&amp;</a><b t='1>2'>a&gt;b</b></r>",
      "<r><a>]]&gt; &amp;</a></r>",
      "<r><a>&eacute; &foo; & bare &amp</a></r>",
      "<r><a>&#128;&#0;&#xD800;&#65 &#x110000;</a></r>",
      "<r><a>&constructor; &__proto__;</a></r>",
    ];
    for (const xml of cases) expect(observe(coalesceEntityRuns(xml))).toEqual(observe(xml));
  });

  test("random entity soup: identical text to the plain parse", () => {
    const pieces = [
      "a",
      " ",
      "&amp;",
      "&lt;",
      "&gt;",
      "&quot;",
      "&apos;",
      "&#65;",
      "&#x42;",
      "&#128;",
      "&",
      ";",
      "]]>",
      "&#",
      "é",
      "&nbsp;",
      "x>y",
    ];
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let n = 0; n < 300; n++) {
      let text = "";
      for (let k = next() % 12; k >= 0; k--) text += pieces[next() % pieces.length];
      const xml = `<r><a>${text}</a><b x="${n}">${text}</b></r>`;
      expect(observe(coalesceEntityRuns(xml))).toEqual(observe(xml));
    }
  });

  test("linear time on hostile runs (no backtracking over every '&')", () => {
    for (const xml of [
      `<a>${"&amp;".repeat(100_000)} > x`,
      `<a>${"&amp;>".repeat(100_000)}`,
      `<a>${"&".repeat(500_000)}`,
      `${">&".repeat(100_000)}<`,
    ]) {
      const t0 = performance.now();
      coalesceEntityRuns(xml);
      expect(performance.now() - t0).toBeLessThan(500);
    }
  });

  test("a document without '&' is returned as it is", () => {
    const xml = "<r><a>plain</a></r>";
    expect(coalesceEntityRuns(xml)).toBe(xml);
  });
});
