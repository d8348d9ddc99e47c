import { describe, expect, test } from "bun:test";
import { charsetOf, decodeFeedBytes, prologEncoding } from "../../../src/ingest/parsers/charset.ts";
import { utf8 } from "./fixtures.ts";

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...utf8(p)] : p)));

describe("decodeFeedBytes", () => {
  test("charsetOf reads the parameter, quoted or not", () => {
    expect(charsetOf("application/xml; charset=ISO-8859-1")).toBe("ISO-8859-1");
    expect(charsetOf('text/xml;charset="windows-1252"')).toBe("windows-1252");
    expect(charsetOf("application/rss+xml")).toBeUndefined();
    expect(charsetOf(undefined)).toBeUndefined();
  });

  test("prologEncoding reads the declaration, even after leading whitespace", () => {
    expect(prologEncoding(utf8(' <?xml version="1.0" encoding="ISO-8859-2"?><a/>'))).toBe("ISO-8859-2");
    expect(prologEncoding(utf8("<?xml version='1.0' encoding='gb2312' ?>"))).toBe("gb2312");
    expect(prologEncoding(utf8('<?xml version="1.0"?><a encoding="x"/>'))).toBeUndefined();
  });

  test("a byte order mark wins over everything", () => {
    const le = Uint8Array.of(0xff, 0xfe, 0x3c, 0, 0x61, 0, 0x3e, 0);
    expect(decodeFeedBytes(le, "text/xml; charset=iso-8859-1")).toBe("<a>");
    expect(decodeFeedBytes(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).toBe("A");
    expect(decodeFeedBytes(Uint8Array.of(0xfe, 0xff, 0, 0x41))).toBe("A");
  });

  test("header, then prolog, then UTF-8, then windows-1252", () => {
    const latin = bytes('<?xml version="1.0" encoding="ISO-8859-1"?><t>', [0xe9], "</t>");
    expect(decodeFeedBytes(latin)).toContain("<t>é</t>");
    expect(decodeFeedBytes(latin, "text/xml; charset=iso-8859-2")).toContain("<t>é</t>");
    expect(decodeFeedBytes(bytes("<t>", [0xb3], "</t>"), "text/xml; charset=iso-8859-2")).toBe("<t>ł</t>");
    expect(decodeFeedBytes(bytes("<t>", [0xc3, 0xa9], "</t>"))).toBe("<t>é</t>");
    expect(decodeFeedBytes(bytes("<t>", [0xe9, 0x80], "</t>"))).toBe("<t>é€</t>");
  });

  test("an unknown label falls through; a UTF-8 document cut inside a character is still UTF-8", () => {
    expect(decodeFeedBytes(bytes("<t>", [0xc3, 0xa9], "</t>"), "text/xml; charset=x-nonsense")).toBe(
      "<t>é</t>",
    );
    expect(decodeFeedBytes(bytes("<t>é", [0xe2, 0x82]))).toBe("<t>é");
  });
});
