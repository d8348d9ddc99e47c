import { describe, expect, test } from "bun:test";
import { TacError } from "../../src/protocol/errors.ts";
import { findExcessDepth, parseJsonSafe } from "../../src/security/safe-json.ts";

function badJson(fn: () => unknown): TacError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TacError);
    expect((e as TacError).code).toBe("BAD_JSON");
    return e as TacError;
  }
  throw new Error("expected BAD_JSON");
}

describe("parseJsonSafe", () => {
  test("parses ordinary JSON from text or bytes", () => {
    const doc = { priority: "high", payload: { indicators: ["ipv4:203.0.113.9"], n: [1, [2, [3]]] } };
    expect(parseJsonSafe(JSON.stringify(doc))).toEqual(doc);
    expect(parseJsonSafe(new TextEncoder().encode(JSON.stringify(doc)))).toEqual(doc);
    expect(parseJsonSafe('{"title":"caf\\u00e9 \\"[{\\""}')).toEqual({ title: 'café "[{"' });
  });

  test("depth: exactly maxDepth passes, one more is refused; brackets inside strings do not count", () => {
    const nest = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(() => parseJsonSafe(nest(64))).not.toThrow();
    expect(badJson(() => parseJsonSafe(nest(65))).message).toContain("deeper than 64");
    expect(() => parseJsonSafe(nest(5), { maxDepth: 5 })).not.toThrow();
    badJson(() => parseJsonSafe(nest(6), { maxDepth: 5 }));
    expect(parseJsonSafe(`{"s":"${"[".repeat(1000)}\\"${"{".repeat(1000)}"}`)).toEqual({
      s: `${"[".repeat(1000)}"${"{".repeat(1000)}`,
    });
    expect(findExcessDepth('{"a":[{"b":[1]}]}', 4)).toBe(-1);
    expect(findExcessDepth('{"a":[{"b":[1]}]}', 3)).toBe(11);
  });

  test("syntax errors and invalid UTF-8 are BAD_JSON", () => {
    expect(badJson(() => parseJsonSafe("{nope}")).message).toStartWith("invalid JSON");
    badJson(() => parseJsonSafe(""));
    expect(badJson(() => parseJsonSafe(new Uint8Array([0x7b, 0xff, 0x7d]))).message).toContain("UTF-8");
  });

  test("forbidden keys are stripped at every level, also when spelled with escapes", () => {
    const out = parseJsonSafe(
      '{"a":1,"__proto__":{"x":1},"b":{"constructor":{"prototype":{"y":1}},"c":[{"\\u005f_proto__":{"z":1}}]}}',
    );
    expect(out).toEqual({ a: 1, b: { c: [{}] } });
    expect(Object.keys(out as object)).toEqual(["a", "b"]);
  });

  test("reject mode refuses the document instead", () => {
    expect(
      badJson(() => parseJsonSafe('{"a":{"constructor":{"x":1}}}', { forbiddenKeys: "reject" })).message,
    ).toContain("constructor");
    expect(badJson(() => parseJsonSafe('{"__proto__":1}', { forbiddenKeys: "reject" })).message).toContain(
      "__proto__",
    );
    expect(parseJsonSafe('{"a":{"c":1}}', { forbiddenKeys: "reject" })).toEqual({ a: { c: 1 } });
  });

  test("a key spelled only with escapes is caught though no forbidden word appears in the text", () => {
    for (const key of ["\\u0063onstructor", "__pr\\u006fto__"]) {
      const text = `[{"ok":1},{"a":{"${key}":{"polluted":1}}}]`;
      expect(text.includes("constructor") || text.includes("proto")).toBe(false);
      expect(badJson(() => parseJsonSafe(text, { forbiddenKeys: "reject" })).code).toBe("BAD_JSON");
      expect(parseJsonSafe(text)).toEqual([{ ok: 1 }, { a: {} }]);
    }
  });

  test("constructor and prototype as data keys are kept: only what a merge could follow is refused", () => {
    const data = '{"constructor":"Foo","prototype":{"kind":"class"},"a":{"constructor":1,"prototype":[1]}}';
    const expected = {
      constructor: "Foo",
      prototype: { kind: "class" },
      a: { constructor: 1, prototype: [1] },
    };
    expect(parseJsonSafe(data, { forbiddenKeys: "reject" })).toEqual(expected);
    expect(parseJsonSafe(data)).toEqual(expected);
    expect(parseJsonSafe('{"\\u0070rototype":{"x":1}}', { forbiddenKeys: "reject" })).toEqual({
      prototype: { x: 1 },
    });
  });

  test("words merely containing the keys, and values equal to them, are kept", () => {
    expect(parseJsonSafe('{"constructors":"__proto__","x":"prototype"}')).toEqual({
      constructors: "__proto__",
      x: "prototype",
    });
  });
});
