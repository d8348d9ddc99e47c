import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../../src/config/config.ts";
import { loadFeedsFile, parseFeedsConfig } from "../../../src/ingest/feeds/config.ts";
import { feedsPlugin } from "../../../src/ingest/feeds/plugin.ts";
import { bootNode } from "../../../src/server/bootstrap.ts";
import { removeTempDirs, tempDir } from "./node.ts";

afterAll(removeTempDirs);

const EXAMPLE = join(import.meta.dir, "..", "..", "..", "examples", "feeds.json");
const SECRETS = { TAXII_PASSWORD: "pw", MISP_KEY: "mk", IOC_API_KEY: "ik" };

function refused(input: unknown, env: Record<string, string> = {}): string {
  try {
    parseFeedsConfig(input, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("config was accepted");
}

const rss = { id: "news", kind: "rss", url: "https://example.org/feed" };

describe("feeds file", () => {
  test("the shipped example is valid, with defaults filled and env: secrets resolved", () => {
    const feeds = loadFeedsFile(EXAMPLE, SECRETS);
    expect(feeds.map((f) => f.kind)).toEqual(["kev", "rss", "taxii", "misp", "json", "webhook"]);
    const taxii = feeds[2]!;
    expect(taxii.auth).toEqual({ basic: { username: "tacstream", password: "pw" } });
    expect(feeds[4]!.headers["X-Api-Key"]).toBe("ik");
    const news = feeds[1]!;
    expect(news.timeoutMs).toBe(30_000);
    expect(news.breaker).toEqual({ failureThreshold: 5, openMs: 60_000, successThreshold: 1 });
    expect(news.retry).toEqual({ attempts: 3, baseMs: 1000, capMs: 10_000 });
    expect(news.enabled).toBe(true);
    expect(news.priority.rules).toEqual([]);
  });

  test("a missing env: secret names the field and the variable", () => {
    expect(() => loadFeedsFile(EXAMPLE, {})).toThrow(
      /FEEDS_FILE .*feeds\.json: feeds\[2\]\.auth\.basic\.password: environment variable TAXII_PASSWORD is not set/,
    );
  });

  test("every bad field is refused with its path, in one line", () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ feeds: [{ ...rss, interval: 0 }] }, /^feeds\[0\]\.interval: must be ≥ 1$/],
      [{ feeds: [{ ...rss, interval: "60" }] }, /^feeds\[0\]\.interval: must be a number$/],
      [{ feeds: [rss, { ...rss, id: "b", kind: "gopher" }] }, /^feeds\[1\]\.kind: must be one of rss, json/],
      [{ feeds: [{ ...rss, id: "Bad Id" }] }, /^feeds\[0\]\.id: feed id must match/],
      [{ feeds: [{ ...rss, url: "ftp://x.org/f" }] }, /^feeds\[0\]\.url: must be an http\(s\) URL/],
      [
        { feeds: [{ ...rss, headers: { "X-A": "a\r\nInjected: 1" } }] },
        /^feeds\[0\]\.headers\.X-A: must not contain/,
      ],
      [{ feeds: [{ ...rss, auth: { token: "x" } }] }, /^feeds\[0\]\.auth: must be \{"bearer"\}/],
      [
        { feeds: [{ ...rss, levelRules: [{ when: { titleMatches: "(" }, level: "high" }] }] },
        /^feeds\[0\]\.levelRules\[0\]\.when\.titleMatches: not a valid regular expression/,
      ],
      [{ feeds: [{ ...rss, unknownKey: 1 }] }, /^feeds\[0\]\.unknownKey: /],
      [{ feeds: [rss, rss] }, /^feeds\[1\]\.id: duplicate feed id "news"/],
      [
        { feeds: [{ id: "j", kind: "json", url: "https://a.org/" }] },
        /^feeds\[0\]\.mapping: required for kind "json"/,
      ],
      [
        { feeds: [{ id: "t", kind: "taxii", url: "https://a.org/" }] },
        /^feeds\[0\]\.taxii: required for kind "taxii"/,
      ],
      [
        { feeds: [{ id: "w", kind: "webhook", url: "https://a.org/", mapping: {} }] },
        /^feeds\[0\]\.url: a webhook feed is pushed to/,
      ],
      [{ feeds: [{ id: "k", kind: "kev" }] }, /^feeds\[0\]\.url: required for kind "kev"/],
      [
        { feeds: [{ ...rss, retry: { baseMs: 5000, capMs: 100 } }] },
        /^feeds\[0\]\.retry\.capMs: must be ≥ retry\.baseMs/,
      ],
      [
        { feeds: [{ id: "j", kind: "json", url: "https://a.org/", mapping: { items: "a..b" } }] },
        /^feeds\[0\]\.mapping\.items: /,
      ],
      [{ feeds: "nope" }, /^feeds: /],
      [[], /^feeds: /],
      ["x", /^\(root\): /],
    ];
    for (const [input, message] of cases) {
      const m = refused(input);
      expect(m).toMatch(message);
      expect(m).not.toContain("\n");
    }
  });

  test("a file that is not JSON, or holds prototype keys, is refused naming the file", () => {
    const dir = tempDir();
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ feeds: [");
    expect(() => loadFeedsFile(bad)).toThrow(/^FEEDS_FILE .*bad\.json: invalid JSON/);
    writeFileSync(bad, '{"feeds": [], "__proto__": {"x": 1}}');
    expect(() => loadFeedsFile(bad)).toThrow(/forbidden key "__proto__"/);
    expect(() => loadFeedsFile(join(dir, "missing.json"))).toThrow(/^FEEDS_FILE .*missing\.json: /);
  });
});

describe("a bad feeds file stops the node before it listens", () => {
  test("bootNode refuses it with the one line the entry prints", async () => {
    const dir = tempDir();
    const file = join(dir, "feeds.json");
    writeFileSync(
      file,
      JSON.stringify({ feeds: [{ id: "a", kind: "rss", url: "https://x.org/", timeoutMs: 5 }] }),
    );
    const boot = bootNode(
      { DATA_DIR: dir, LOG_LEVEL: "silent" },
      { clientIp: () => "", plugins: () => [feedsPlugin({ file })] },
    );
    await expect(boot).rejects.toBeInstanceOf(ConfigError);
    await expect(boot).rejects.toThrow(/^FEEDS_FILE .*feeds\.json: feeds\[0\]\.timeoutMs: must be ≥ 100$/);
  });
});
