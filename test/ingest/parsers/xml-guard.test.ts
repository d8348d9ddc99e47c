import { describe, expect, test } from "bun:test";
import { assertNoEntityDeclarations } from "../../../src/ingest/parsers/xml-guard.ts";

describe("assertNoEntityDeclarations", () => {
  test("refuses entity declarations in the DOCTYPE's internal subset, whatever the case or prolog", () => {
    for (const doc of [
      '<!DOCTYPE r [<!ENTITY a "b">]><r/>',
      '<?xml version="1.0"?>\n<!-- c --><!doctype r [ <!entity a "b"> ]><r/>',
      '\ufeff<!DOCTYPE r [<!ELEMENT r ANY><!ENTITY % p SYSTEM "http://x/">]><r/>',
    ]) {
      expect(() => assertNoEntityDeclarations(doc)).toThrow("entity declarations");
    }
  });

  test("lets through documents without them, including ones that mention <!ENTITY in their text", () => {
    for (const doc of [
      "<rss/>",
      '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd"><rss/>',
      "<!DOCTYPE r [<!ELEMENT r ANY>]><r/>",
      "<r><![CDATA[<!DOCTYPE x [<!ENTITY a 'b'>]>]]></r>",
      "<?xml version='1.0'?><!-- <!DOCTYPE x [<!ENTITY a 'b'>]> --><r/>",
      "",
    ]) {
      expect(() => assertNoEntityDeclarations(doc)).not.toThrow();
    }
  });
});
