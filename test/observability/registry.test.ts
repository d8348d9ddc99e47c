import { describe, expect, test } from "bun:test";
import { BoundedLabel, CONTENT_TYPE, formatValue, Registry } from "../../src/observability/registry.ts";

describe("registry text exposition", () => {
  test("counters, gauges and labels render in the 0.0.4 text format", async () => {
    const reg = new Registry();
    const c = reg.counter("t_messages_total", "Messages.\nSecond line \\ done.", ["feed", "priority"]);
    c.labels("a", "high").inc();
    c.labels("a", "high").inc(2);
    c.labels('we"ird\\feed\n', "low").inc();
    const g = reg.gauge("t_connections", "Open sessions.");
    g.set(7);
    g.dec(2);
    const text = await reg.expose();
    expect(text).toBe(
      [
        "# HELP t_messages_total Messages.\\nSecond line \\\\ done.",
        "# TYPE t_messages_total counter",
        't_messages_total{feed="a",priority="high"} 3',
        't_messages_total{feed="we\\"ird\\\\feed\\n",priority="low"} 1',
        "# HELP t_connections Open sessions.",
        "# TYPE t_connections gauge",
        "t_connections 5",
        "",
      ].join("\n"),
    );
    expect(CONTENT_TYPE).toContain("version=0.0.4");
  });

  test("histograms render cumulative buckets, +Inf, sum and count", async () => {
    const reg = new Registry();
    const h = reg.histogram("t_latency_seconds", "Latency.", [0.1, 0.01, 1]);
    for (const v of [0.005, 0.05, 0.05, 0.5, 3]) h.observe(v);
    const lines = (await reg.expose()).split("\n");
    expect(lines).toContain('t_latency_seconds_bucket{le="0.01"} 1');
    expect(lines).toContain('t_latency_seconds_bucket{le="0.1"} 3');
    expect(lines).toContain('t_latency_seconds_bucket{le="1"} 4');
    expect(lines).toContain('t_latency_seconds_bucket{le="+Inf"} 5');
    expect(lines).toContain("t_latency_seconds_sum 3.605");
    expect(lines).toContain("t_latency_seconds_count 5");
    expect(h.totals()).toEqual({ sum: 3.605, count: 5 });
  });

  test("labelled histograms put le last", async () => {
    const reg = new Registry();
    reg.histogram("t_d_seconds", "d", [1], ["route"]).labels("/x").observe(0.5);
    expect(await reg.expose()).toContain('t_d_seconds_bucket{route="/x",le="1"} 1');
  });

  test("collectors run before each exposition; a failing one does not break the scrape", async () => {
    const reg = new Registry();
    const g = reg.gauge("t_depth", "Depth.");
    let n = 0;
    reg.collect(() => {
      g.set(++n);
    });
    reg.collect(async () => {
      throw new Error("journal closed");
    });
    const errors: unknown[] = [];
    expect(await reg.expose((e) => errors.push(e))).toContain("t_depth 1");
    expect(await reg.expose()).toContain("t_depth 2");
    expect(errors).toHaveLength(1);
  });

  test("bad names, duplicate names, wrong label arity and negative increments are refused", () => {
    const reg = new Registry();
    expect(() => reg.counter("bad-name", "x")).toThrow(RangeError);
    expect(() => reg.counter("ok_total", "x", ["le"])).toThrow(RangeError);
    reg.counter("dup_total", "x");
    expect(() => reg.gauge("dup_total", "x")).toThrow(RangeError);
    const c = reg.counter("two_total", "x", ["a", "b"]);
    expect(() => c.labels("only-one")).toThrow(RangeError);
    expect(() => c.labels("a", "b").inc(-1)).toThrow(RangeError);
    expect(() => reg.histogram("h", "x", [])).toThrow(RangeError);
  });

  test("reset drops every child (gauges recomputed per scrape)", async () => {
    const reg = new Registry();
    const g = reg.gauge("t_subs", "s", ["feed"]);
    g.labels("gone").set(1);
    g.reset();
    g.labels("here").set(2);
    const text = await reg.expose();
    expect(text).not.toContain("gone");
    expect(text).toContain('t_subs{feed="here"} 2');
  });

  test("special values", () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatValue(1.5e-7)).toBe("1.5e-7");
  });
});

describe("BoundedLabel", () => {
  test("keeps the first N values and folds the rest into `other`", () => {
    const b = new BoundedLabel(2);
    expect(b.of("a")).toBe("a");
    expect(b.of("b")).toBe("b");
    expect(b.of("c")).toBe("other");
    expect(b.of("a")).toBe("a");
  });
});

describe("series that exist before their first event", () => {
  test("an unlabelled counter, gauge and histogram are exposed at 0 before any use", async () => {
    // Absent until its first increment, a counter's first 5xx (or recovery drop) is invisible to
    // rate() and increase(): the series would appear already at 1.
    const reg = new Registry();
    reg.counter("t_errors_total", "Errors.");
    reg.gauge("t_depth", "Depth.");
    reg.histogram("t_latency_seconds", "Latency.", [0.1, 1]);
    reg.counter("t_by_feed_total", "By feed.", ["feed"]);
    const lines = (await reg.expose()).split("\n").filter((l) => !l.startsWith("#"));
    expect(lines).toContain("t_errors_total 0");
    expect(lines).toContain("t_depth 0");
    expect(lines).toContain('t_latency_seconds_bucket{le="+Inf"} 0');
    expect(lines).toContain("t_latency_seconds_count 0");
    // A labelled family has no series until a label set is used: there is no value to invent.
    expect(lines.some((l) => l.startsWith("t_by_feed_total"))).toBe(false);
  });
});
