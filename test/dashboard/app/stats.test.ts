import { describe, expect, test } from "bun:test";
import { connectionsFromMetrics, LiveStats, percentile } from "../../../src/dashboard/app/stats.ts";

describe("live figures", () => {
  test("percentile: nearest rank", () => {
    expect(percentile([], 0.99)).toBeNull();
    expect(percentile([5], 0.99)).toBe(5);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 0.5)).toBe(50);
  });

  test("rate is the last complete second; p99 over the window, without replayed (old) messages", () => {
    const s = new LiveStats({ windowMs: 10_000, maxLatencyMs: 60_000 });
    const t = 1_000_000;
    for (let i = 0; i < 50; i++) s.record(t + i * 10, t + i * 10 - (i === 49 ? 400 : 5));
    s.record(t + 600, t - 3_600_000); // a replayed message from an hour ago: counted, not latency
    for (let i = 0; i < 7; i++) s.record(t + 1000 + i, t + 1000 + i - 1);
    const snap = s.snapshot(t + 1500);
    expect(snap.rate).toBe(51);
    expect(snap.total).toBe(58);
    expect(snap.p99).toBe(400);
    expect(s.snapshot(t + 2100).rate).toBe(7);
    expect(s.snapshot(t + 30_000)).toMatchObject({ rate: 0, p99: null });
  });

  test("connections from Prometheus text: first matching metric, summed over labels", () => {
    const text = [
      "# HELP tacstream_ws_connections open sockets",
      "# TYPE tacstream_ws_connections gauge",
      'tacstream_ws_connections{format="json"} 3',
      'tacstream_ws_connections{format="binary"} 2',
      "tacstream_ws_connections_total 99",
      "process_open_fds 12",
    ].join("\n");
    expect(connectionsFromMetrics(text)).toBe(5);
    expect(connectionsFromMetrics("x_connections_active 4\n")).toBe(4);
    expect(connectionsFromMetrics("process_open_fds 12\n")).toBeUndefined();
  });
});
