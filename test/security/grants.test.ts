import { describe, expect, test } from "bun:test";
import { TacError } from "../../src/protocol/errors.ts";
import { GrantSet, MAX_GRANT_PATTERNS } from "../../src/security/grants.ts";

describe("GrantSet", () => {
  test("exact ids, subtree wildcards and * — and the grant that matched", () => {
    const g = GrantSet.compile(["threats.*", "kev", "threats.apt.*"]);
    expect(g.match("kev")).toBe("kev");
    expect(g.match("threats.x")).toBe("threats.*");
    expect(g.match("threats.apt.x")).toBe("threats.apt.*"); // the most specific grant
    expect(g.match("threats.x.y.z")).toBe("threats.*");
    expect(g.match("threats")).toBeNull();
    expect(g.match("threatsx")).toBeNull();
    expect(g.match("kev.2025")).toBeNull();
    expect(GrantSet.compile(["*"]).match("anything.at.all")).toBe("*");
    expect(GrantSet.compile(["*", "kev"]).match("kev")).toBe("kev");
  });

  test("no patterns grant nothing", () => {
    expect(GrantSet.none.allows("kev")).toBe(false);
    expect(GrantSet.compile([]).allows("kev")).toBe(false);
  });

  test("an invalid feed id is never granted, even by *", () => {
    const all = GrantSet.compile(["*"]);
    for (const id of ["", "Threats", "threats.", "a..b", "../etc", "threats.*", "x".repeat(200)]) {
      expect(all.allows(id)).toBe(false);
    }
  });

  test("only the three pattern forms compile", () => {
    for (const bad of ["thr*", "*.kev", "threats.*.kev", "threats.**", "", "THREATS.*", ".*", "a b"]) {
      const err = (() => {
        try {
          GrantSet.compile(["kev", bad]);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).path).toBe("[1]");
    }
    expect(() => GrantSet.compile(Array.from({ length: MAX_GRANT_PATTERNS + 1 }, (_, i) => `f${i}`))).toThrow(
      TacError,
    );
  });

  test("a check costs a bounded number of lookups even with many grants", () => {
    const g = GrantSet.compile(Array.from({ length: MAX_GRANT_PATTERNS }, (_, i) => `feed${i}.*`));
    const deep = `feed255.${Array.from({ length: 60 }, () => "x").join(".")}`;
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) g.match(deep);
    expect(g.match(deep)).toBe("feed255.*");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("serialises as its patterns", () => {
    expect(JSON.stringify(GrantSet.compile(["kev", "kev", "a.*"]))).toBe('["kev","a.*"]');
  });
});
