import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseRss } from "../../../src/ingest/parsers/rss.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { FIXTURES, fixture, hasFixture, utf8 } from "./fixtures.ts";

interface ExpectedItem {
  title?: string;
  link?: string;
}

/** Expected files are UTF-8, except encoding.json which rss-parser wrote in the feed's Latin-1. */
function readExpected(name: string): ExpectedItem[] {
  const bytes = fixture("feeds", "expected", `${name}.json`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("latin1").decode(bytes);
  }
  return (JSON.parse(text) as { feed: { items: ExpectedItem[] } }).feed.items;
}

/**
 * rss-parser read the undeclared Latin-1 of uolNoticias.rss as UTF-8 and wrote U+FFFD where we decode
 * the real letter: there, U+FFFD in the oracle stands for exactly one non-ASCII character.
 */
function sameText(actual: string, expected: string): boolean {
  if (!expected.includes("\ufffd")) return actual === expected;
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("\ufffd", "[^\\x00-\\x7f]");
  return new RegExp(`^${escaped}$`, "u").test(actual);
}

const inputs = readdirSync(join(FIXTURES, "feeds", "input")).sort();

describe("rss: every real feed in fixtures/feeds/input", () => {
  test("the fixture folder is there (31 feeds)", () => {
    expect(inputs.length).toBe(31);
  });

  test.each(inputs.filter((f) => f !== "unrecognized.rss"))("%s", (file) => {
    const items = parseRss(fixture("feeds", "input", file));
    for (const item of items) {
      expect(typeof item.key).toBe("string");
      expect(item.key.length).toBeGreaterThan(0);
      expect(item.title).toBe(item.title.trim());
    }
    const name = file.replace(/\.(rss|atom)$/, "");
    if (!hasFixture("feeds", "expected", `${name}.json`)) {
      expect(items.length).toBeGreaterThan(0);
      return;
    }
    const expected = readExpected(name);
    expect(items.length).toBe(expected.length);
    expected.forEach((e, i) => {
      const got = items[i]!;
      // A missing title in the oracle is an empty title here; a missing link is no link.
      const title = (e.title ?? "").trim();
      if (!sameText(got.title, title)) expect(`${i}: ${got.title}`).toBe(`${i}: ${title}`);
      expect(got.link).toBe(e.link?.trim());
    });
  });

  test("unrecognized.rss (an HTML page) is refused with a clear VALIDATION error", () => {
    let err: unknown;
    try {
      parseRss(fixture("feeds", "input", "unrecognized.rss"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TacError);
    expect((err as TacError).code).toBe("VALIDATION");
    expect((err as TacError).message).toContain("not an RSS, RDF or Atom document");
    expect((err as TacError).message).toContain("<head>");
  });

  test("an undeclared Latin-1 feed is decoded as windows-1252, not as U+FFFD", () => {
    const [first] = parseRss(fixture("feeds", "input", "uolNoticias.rss"));
    expect(first!.title).toBe("Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno");
  });

  test("the prolog's ISO-8859-1 is honoured", () => {
    const [first] = parseRss(fixture("feeds", "input", "encoding.rss"));
    expect(first!.title).toBe("Mãe de utente é a nova presidente da Raríssimas");
  });
});

describe("rss: fields", () => {
  const rss = (items: string, head = '<?xml version="1.0"?>') =>
    utf8(`${head}<rss version="2.0"><channel><title>c</title>${items}</channel></rss>`);

  test("HTML descriptions become plain text; guid is the key; pubDate and categories are read", () => {
    const [item] = parseRss(
      rss(`<item><title>  A &amp; B </title><link> https://x.test/a </link><guid isPermaLink="false">id-1</guid>
        <description>&lt;p&gt;Hello&lt;/p&gt;&lt;p&gt;C2 at 185.220.101[.]4&lt;script&gt;alert(1)&lt;/script&gt; &amp;eacute;t&amp;eacute;&lt;/p&gt;</description>
        <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><category>apt</category><category>c2</category></item>`),
    );
    expect(item).toEqual({
      key: "id-1",
      title: "A & B",
      link: "https://x.test/a",
      // The text keeps its defanged form (safe to display); the indicator is refanged.
      description: "Hello C2 at 185.220.101[.]4 été",
      indicators: ["ipv4:185.220.101.4"],
      published: Date.UTC(2003, 5, 10, 4),
      tags: ["apt", "c2"],
    });
  });

  test("key falls back to the link, then to a hash of title and description", () => {
    const items = parseRss(
      rss(
        "<item><title>t</title><link>https://x.test/1</link></item><item><title>t</title><description>d</description></item><item><title>t</title><description>d</description></item><item><title>t</title><description>e</description></item>",
      ),
    );
    expect(items[0]!.key).toBe("https://x.test/1");
    expect(items[1]!.key).toMatch(/^hash:[0-9a-f]{14}$/);
    expect(items[2]!.key).toBe(items[1]!.key);
    expect(items[3]!.key).not.toBe(items[1]!.key);
  });

  test("a permalink guid serves as the link when <link> is missing; atom:link and media:title are not the item's", () => {
    const [item] = parseRss(
      rss(
        '<item><media:title>wrong</media:title><title>right</title><atom:link href="https://wrong.test/"/><guid>https://x.test/p/1</guid></item>',
        '<?xml version="1.0"?>',
      ),
    );
    expect(item!.title).toBe("right");
    expect(item!.link).toBe("https://x.test/p/1");
  });

  test("RSS 1.0 (RDF): items are the channel's siblings; dc:date is the date", () => {
    const [item] = parseRss(
      utf8(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel rdf:about="https://x.test/"><title>c</title></channel>
        <item rdf:about="https://x.test/1"><title>one</title><link>https://x.test/1</link><dc:date>2024-01-02T03:04:05Z</dc:date></item>
      </rdf:RDF>`),
    );
    expect(item).toMatchObject({
      title: "one",
      link: "https://x.test/1",
      published: Date.UTC(2024, 0, 2, 3, 4, 5),
    });
  });

  test("Atom: rel=alternate wins over the first link; id is the key; published, else updated", () => {
    const items = parseRss(
      utf8(`<feed xmlns="http://www.w3.org/2005/Atom">
        <entry><id>urn:1</id><title type="text">one</title><link rel="self" href="https://x.test/self"/><link rel="alternate" href="https://x.test/1"/>
          <updated>2024-02-01T00:00:00Z</updated><published>2024-01-01T00:00:00Z</published><summary type="html">&lt;b&gt;bold&lt;/b&gt; CVE-2024-3400</summary></entry>
        <entry><id>urn:2</id><title>two</title><link href="https://x.test/2"/><updated>2024-02-01T00:00:00Z</updated><content type="html">x</content><category term="t1"/></entry>
      </feed>`),
    );
    expect(items[0]).toMatchObject({
      key: "urn:1",
      link: "https://x.test/1",
      published: Date.UTC(2024, 0, 1),
      description: "bold CVE-2024-3400",
      indicators: ["cve:CVE-2024-3400"],
    });
    expect(items[1]).toMatchObject({
      key: "urn:2",
      link: "https://x.test/2",
      published: Date.UTC(2024, 1, 1),
      description: "x",
      tags: ["t1"],
    });
  });

  test("Atom with a namespace prefix", () => {
    const [item] = parseRss(
      utf8(
        '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry><a:title>p</a:title><a:link href="https://x.test/p"/></a:entry></a:feed>',
      ),
    );
    expect(item).toMatchObject({ title: "p", link: "https://x.test/p" });
  });

  test("extract: false leaves indicators empty", () => {
    const [item] = parseRss(rss("<item><title>1.2.3.4</title></item>"), { extract: false });
    expect(item!.indicators).toEqual([]);
  });

  test("the Content-Type charset wins over the prolog", () => {
    // "Żółw" in ISO-8859-2, mislabelled as UTF-8 in the prolog.
    const head = utf8('<?xml version="1.0" encoding="utf-8"?><rss><channel><item><title>');
    const body = Uint8Array.of(0xaf, 0xf3, 0xb3, 0x77);
    const tail = utf8("</title></item></channel></rss>");
    const bytes = new Uint8Array([...head, ...body, ...tail]);
    expect(parseRss(bytes, { contentType: "application/rss+xml; charset=ISO-8859-2" })[0]!.title).toBe(
      "Żółw",
    );
  });

  test("prolog encodings: ISO-8859-2, windows-1251, GB2312", () => {
    const doc = (enc: string, title: number[]) =>
      new Uint8Array([
        ...utf8(`<?xml version="1.0" encoding="${enc}"?><rss><channel><item><title>`),
        ...title,
        ...utf8("</title></item></channel></rss>"),
      ]);
    expect(parseRss(doc("ISO-8859-2", [0xaf, 0xf3, 0xb3, 0x77]))[0]!.title).toBe("Żółw");
    expect(parseRss(doc("windows-1251", [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]))[0]!.title).toBe("Привет");
    expect(parseRss(doc("GB2312", [0xd6, 0xd0, 0xce, 0xc4]))[0]!.title).toBe("中文");
  });

  test("anything that is not a feed is refused", () => {
    for (const doc of ["", "   ", '{"items":[]}', "<html><body>x</body></html>", "<?xml version='1.0'?>"]) {
      expect(() => parseRss(utf8(doc))).toThrow(TacError);
    }
  });
});

describe("rss: hostile and broken input", () => {
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss><channel><item><title>&lol9;</title><description>&lol9;&lol9;&lol9;</description></item></channel></rss>`;

  test("billion laughs is refused before parsing, quickly, with flat memory", () => {
    Bun.gc(true);
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) {
      expect(() => parseRss(utf8(laughs))).toThrow("entity declarations");
    }
    const ms = performance.now() - t0;
    Bun.gc(true);
    const grownMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(ms).toBeLessThan(500);
    expect(grownMiB).toBeLessThan(8);
  });

  test("external entities (XXE) are refused too", () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&x;</title></item></channel></rss>';
    let err: unknown;
    try {
      parseRss(utf8(xxe));
    } catch (e) {
      err = e;
    }
    expect((err as TacError).code).toBe("VALIDATION");
  });

  test("a plain DOCTYPE (RSS 0.91) and an article quoting <!ENTITY are fine", () => {
    const doc = `<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
      <rss version="0.91"><channel><item><title>XXE explained</title><description>&lt;!ENTITY x SYSTEM "file:///etc/passwd"&gt;</description></item></channel></rss>`;
    const [item] = parseRss(utf8(doc));
    expect(item!.description).toBe("");
    expect(item!.title).toBe("XXE explained");
  });

  test("truncated XML is a VALIDATION error at every cut, never the items read so far", () => {
    const bytes = fixture("feeds", "input", "guardian.rss");
    for (let cut = 0; cut < bytes.length; cut += 1499) {
      let err: unknown;
      try {
        parseRss(bytes.subarray(0, cut));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TacError);
      expect((err as TacError).code).toBe("VALIDATION");
    }
    // Whitespace and a comment after the root's end tag are not a cut.
    const whole = new TextDecoder().decode(bytes);
    expect(parseRss(new TextEncoder().encode(`${whole}\n<!-- cached -->\n`)).length).toBe(
      parseRss(bytes).length,
    );
  });

  test("binary garbage is refused, not a crash", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let n = 0; n < 20; n++) {
      const bytes = Uint8Array.from({ length: 2000 }, rand);
      try {
        parseRss(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(TacError);
      }
    }
  });
});
