import { describe, expect, test } from "bun:test";
import { collapseWhitespace, htmlToText } from "../../../src/ingest/parsers/html-text.ts";

describe("htmlToText", () => {
  test("markup dropped, entities decoded, blocks separated, whitespace collapsed", () => {
    expect(htmlToText("<p>One</p><p>Two&nbsp;&amp; <b>three</b></p><ul><li>a</li><li>b</li></ul>")).toBe(
      "One Two & three a b",
    );
    expect(htmlToText("line<br>break<br/>again")).toBe("line break again");
  });

  test("scripts, styles and templates are not text", () => {
    expect(htmlToText("<style>p{color:red}</style>x<script>alert(1)</script>y<template>z</template>")).toBe(
      "xy",
    );
  });

  test("plain text skips the parser and keeps its characters", () => {
    expect(htmlToText("  a   b\n\tc  ")).toBe("a b c");
    expect(collapseWhitespace("\n x \n")).toBe("x");
  });

  test("broken HTML still gives text", () => {
    expect(htmlToText("<div><p>unclosed <b>bold")).toBe("unclosed bold");
    expect(htmlToText("a < b & c")).toBe("a < b & c");
  });
});
