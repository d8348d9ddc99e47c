import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { families, samples, scrape, untilSample } from "../helpers/metrics.ts";
import { promtool } from "../helpers/promtool.ts";
import { postMessages, type ServerProcess, startServer, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";
import { fixture, startUpstream, tempDir, type Upstream } from "../ingest/feeds/node.ts";

// The exposition of a real node (`bun src/runtime/bun.ts` with a feeds file) checked by Prometheus's
// own promtool, and the shipped alert rules checked, unit-tested, and held to name only metrics that
// node really exposes.

const RULES_DIR = join(import.meta.dir, "..", "..", "deploy", "prometheus");
const RULES = join(RULES_DIR, "tacstream.rules.yml");

let up: Upstream;
let srv: ServerProcess;
let text: string;

beforeAll(async () => {
  up = startUpstream();
  up.route(
    "/news.rss",
    () =>
      new Response(fixture("feeds", "input", "guardian.rss"), {
        headers: { "content-type": "application/rss+xml" },
      }),
  );
  const feedsFile = join(tempDir(), "feeds.json");
  writeFileSync(
    feedsFile,
    JSON.stringify({
      feeds: [
        { id: "news.guardian", kind: "rss", url: `${up.url}/news.rss`, interval: 3600 },
        { id: "hooks.siem", kind: "webhook", mapping: { title: "t" } },
      ],
    }),
  );
  srv = await startServer({ FEEDS_FILE: feedsFile, HEARTBEAT_INTERVAL_MS: "60000" });
  // Something of everything: a poll (within the scheduler's start spread), an ingest fanned out to a
  // subscriber (latency), a session closed (close codes), an HTTP request (request counters).
  const s = await openSocket(`${srv.wsUrl}/v1/stream?feeds=alpha`);
  expect((await postMessages(srv.url, "alpha", threat(1))).status).toBe(202);
  await s.next();
  s.ws.close(1000);
  await s.closed;
  await untilSample(srv.url, 'tacstream_feed_polls_total{feed="news.guardian",result="ok"}', 1, 20_000);
  await untilSample(srv.url, 'tacstream_connections_closed_total{code="1000"}');
  text = await scrape(srv.url);
}, 60_000);

afterAll(async () => {
  await srv?.stop();
  await up?.stop();
});

/** The metric names an expression in the rules file uses (ours all start with tacstream_). */
function ruleMetrics(): Set<string> {
  const rules = readFileSync(RULES, "utf8");
  const exprs = [...rules.matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*)/g)].map((m) => m[1]!);
  return new Set(exprs.flatMap((e) => [...e.matchAll(/\btacstream_[a-z0-9_]+/g)].map((m) => m[0])));
}

describe("the exposition of a real node", () => {
  test("passes promtool check metrics", () => {
    const r = promtool(["check", "metrics"], text);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });

  test("shows the poller, breaker and DLQ families for the configured feeds", () => {
    const m = samples(text);
    expect(m.get('tacstream_feed_items_total{feed="news.guardian",result="ingested"}')).toBe(55);
    expect(m.get('tacstream_messages_ingested_total{feed="news.guardian",priority="low"}')).toBe(55);
    expect(m.get('tacstream_feed_breaker_state{feed="news.guardian"}')).toBe(0);
    expect(m.get('tacstream_feed_interval_seconds{feed="news.guardian"}')).toBe(3600);
    expect(m.get('tacstream_feed_last_success_timestamp_seconds{feed="news.guardian"}')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    expect(m.get('tacstream_dlq_entries{feed="hooks.siem"}')).toBe(0);
    expect(m.get("tacstream_journal_recovery_dropped_records_total")).toBe(0);
    expect(m.get("tacstream_journal_recovery_dropped_bytes_total")).toBe(0);
  });
});

describe("the alert rules", () => {
  test("pass promtool check rules", () => {
    const r = promtool(["check", "rules", RULES]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("SUCCESS");
    expect(r.exitCode).toBe(0);
  });

  test("pass their promtool unit tests", () => {
    const r = promtool(["test", "rules", "tacstream.rules.test.yml"], undefined, RULES_DIR);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.exitCode).toBe(0);
  });

  test("name only metrics a real node exposes", () => {
    const named = ruleMetrics();
    // The parse found the expressions (a broken one would make this test vacuous).
    expect(named.size).toBeGreaterThanOrEqual(12);
    expect(named).toContain("tacstream_feed_breaker_state");
    expect(named).toContain("tacstream_delivery_latency_seconds_sum");
    const exposed = new Set([...samples(text).keys()].map((k) => k.replace(/\{.*$/, "")));
    const missing = [...named].filter((n) => !exposed.has(n));
    expect(missing).toEqual([]);
    // And by family, so a histogram's or counter's TYPE line is there too.
    const fams = families(text);
    for (const n of named) {
      const base = n.replace(/_(sum|count|bucket)$/, "");
      expect(fams.has(n) || fams.has(base)).toBe(true);
    }
  });
});

describe("journal recovery as /metrics reports it", () => {
  test("a damaged segment: the dropped records and bytes are counted after the restart", async () => {
    const dataDir = tempDir("tacstream-recovery-");
    const a = await startServer({}, { dataDir });
    for (let i = 0; i < 3; i++) {
      expect((await postMessages(a.url, "alpha", [threat(i), threat(i + 10)])).status).toBe(202);
    }
    await a.stop({ keepData: true });
    const dir = join(dataDir, "journal");
    const seg = readdirSync(dir).filter((n) => n.endsWith(".seg"))[0]!;
    const bytes = readFileSync(join(dir, seg));
    // A flipped bit in the first batch: intact records follow, so this is damage, not a torn tail.
    bytes[64]! ^= 0x04;
    writeFileSync(join(dir, seg), bytes);
    const b = await startServer({}, { dataDir });
    try {
      const m = samples(await scrape(b.url));
      expect(m.get("tacstream_journal_recovery_dropped_records_total")).toBeGreaterThanOrEqual(5);
      expect(m.get("tacstream_journal_recovery_dropped_bytes_total")).toBeGreaterThan(0);
    } finally {
      await b.stop();
    }
  }, 60_000);
});
