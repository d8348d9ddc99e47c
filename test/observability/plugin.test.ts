import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerWebSocket } from "bun";
import { loadConfig } from "../../src/config/config.ts";
import type { SessionState } from "../../src/hub/session.ts";
import { EmbeddedJournal } from "../../src/journal/embedded/mod.ts";
import { createLogger } from "../../src/observability/log.ts";
import { type MetricsPlugin, metricsPlugin } from "../../src/observability/mod.ts";
import { main } from "../../src/runtime/bun.ts";
import { Tacstream } from "../../src/server/server.ts";
import { postMessages, threat } from "../helpers/server.ts";
import { openSocket } from "../helpers/ws.ts";

// A node served exactly as src/runtime/bun.ts serves it, with the metrics plugin in its plugin list.
let dir: string;
let node: Tacstream;
let plugin: MetricsPlugin;
let server: ReturnType<typeof Bun.serve<SessionState, never>>;
let url: string;
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tacstream-metrics-"));
  const config = loadConfig({ PORT: "0", DATA_DIR: dir, HEARTBEAT_INTERVAL_MS: "60000" });
  plugin = metricsPlugin({ alertIntervalMs: 3_600_000, alerts: { latencySeconds: 1, minRequests: 1 } });
  node = new Tacstream({
    config,
    journal: new EmbeddedJournal({ dir: join(dir, "journal") }),
    logger: createLogger("info", (l) => logs.push(l)),
    plugins: [plugin],
  });
  const hub = node.hub;
  type Ws = ServerWebSocket<SessionState>;
  server = Bun.serve<SessionState, never>({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, srv) => node.app.fetch(req, srv),
    websocket: {
      open: (ws: Ws) => hub.onOpen(ws),
      message: (ws: Ws, m) => hub.onMessage(ws, m),
      close: (ws: Ws, code) => hub.onClose(ws, code),
      drain: (ws: Ws) => hub.onDrain(ws),
    },
  });
  const srv = server;
  url = `http://127.0.0.1:${srv.port}`;
  await node.start(
    { publish: (t, d) => void srv.publish(t, d), subscriberCount: (t) => srv.subscriberCount(t) },
    (req, init) => srv.upgrade(req, init),
  );
});

afterAll(async () => {
  await node.stop();
  await server.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(): Promise<{ text: string; value: (series: string) => number | undefined }> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  const text = await res.text();
  const value = (series: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { text, value };
}

describe("metrics plugin on a real node", () => {
  test("counts ingest, fan-out, latency, connections and subscriptions", async () => {
    const sock = await openSocket(`ws://127.0.0.1:${server.port}/v1/stream?feeds=alpha,beta`);
    await sock.nextJson();
    const res = await postMessages(url, "alpha", [threat(1), { ...threat(2), priority: "critical" }]);
    expect(res.status).toBe(202);
    await sock.untilJson((m) => m.seq !== undefined && (m as { priority?: string }).priority === "critical");
    const bad = await postMessages(url, "alpha", "{not json");
    expect(bad.status).toBe(400);

    const m = await scrape();
    expect(m.value('tacstream_messages_published_total{feed="alpha",priority="high"}')).toBe(1);
    expect(m.value('tacstream_messages_published_total{feed="alpha",priority="critical"}')).toBe(1);
    const ingested = m.text
      .split("\n")
      .filter((l) => l.startsWith('tacstream_messages_ingested_total{feed="alpha"'))
      .reduce((s, l) => s + Number(l.split(" ")[1]), 0);
    expect(ingested).toBe(2);
    expect(m.value("tacstream_delivery_latency_seconds_count")).toBe(2);
    expect(m.value('tacstream_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(m.value('tacstream_ingest_duration_seconds_count{result="ok"}')).toBe(1);
    expect(m.value("tacstream_connections")).toBe(1);
    expect(m.value("tacstream_subscriptions")).toBe(2);
    expect(m.value('tacstream_feed_subscribers{feed="beta",format="json"}')).toBe(1);
    expect(m.value("tacstream_queue_depth")).toBe(0);
    expect(m.value("tacstream_journal_ready")).toBe(1);
    // One request of two messages: one commit group, one fsync (fsync always), two records.
    expect(m.value("tacstream_journal_records_total")).toBe(2);
    expect(m.value("tacstream_journal_commit_groups_total")).toBe(1);
    expect(m.value("tacstream_journal_fsyncs_total")).toBe(1);
    expect(m.value('tacstream_errors_total{source="http",code="BAD_JSON"}')).toBe(1);
    expect(
      m.value('tacstream_http_requests_total{method="POST",route="/v1/feeds/:feedId/messages",status="202"}'),
    ).toBe(1);
    expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
    expect(m.value("tacstream_event_loop_lag_seconds")).toBeGreaterThanOrEqual(0);
    sock.close();
    await sock.closed;
  });

  test("a backdated source timestamp is counted apart, not as latency", async () => {
    const before = (await scrape()).value("tacstream_delivery_latency_seconds_count") ?? 0;
    await postMessages(url, "old", { ...threat(3), timestamp: Date.now() - 3_600_000 });
    const m = await scrape();
    expect(m.value("tacstream_messages_backdated_total")).toBe(1);
    expect(m.value("tacstream_delivery_latency_seconds_count")).toBe(before);
  });

  test("alerts are raised and cleared on system.alerts and in the log", async () => {
    await plugin.evaluateAlerts(); // baseline window
    // Messages stamped 1.5 s ago: the average latency of this window is above the 1 s threshold.
    await postMessages(
      url,
      "slow",
      [1, 2, 3].map((i) => ({ ...threat(i), timestamp: Date.now() - 1500 })),
    );
    const raised = await plugin.evaluateAlerts();
    expect(raised.map((t) => [t.alert, t.state])).toEqual([["latency", "raised"]]);
    await postMessages(url, "slow", [threat(4)]);
    const cleared = await plugin.evaluateAlerts();
    expect(cleared.map((t) => [t.alert, t.state])).toEqual([["latency", "cleared"]]);

    const replay = await fetch(`${url}/v1/feeds/system.alerts/messages?since=0`);
    const body = (await replay.json()) as {
      messages: Array<{ type: string; priority: string; payload: { alert: string; state: string } }>;
    };
    expect(body.messages.map((x) => [x.type, x.priority, x.payload.alert, x.payload.state])).toEqual([
      ["error", "high", "latency", "raised"],
      ["metadata", "high", "latency", "cleared"],
    ]);
    const alertLines = logs.map((l) => JSON.parse(l)).filter((l) => String(l.msg).startsWith("alert "));
    expect(alertLines.map((l) => [l.level, l.alert])).toEqual([
      ["warn", "latency"],
      ["info", "latency"],
    ]);
    expect((await scrape()).value('tacstream_alert_active{alert="latency"}')).toBe(0);
  });

  test("feed labels are capped", async () => {
    const reg = metricsPlugin({ maxFeedLabels: 2, alerts: false });
    const batch = ["a", "b", "c", "d"].map((feedId, i) => ({
      seq: i + 1,
      feedId,
      priority: 1,
      expiresAt: 0,
      frame: new Uint8Array(64),
    }));
    reg.metrics.onFanout(batch, Date.now());
    const text = await reg.registry.expose();
    expect(text).toContain('tacstream_messages_published_total{feed="other",priority="high"} 2');
    expect(text).not.toContain('feed="c"');
  });
});

test("METRICS_TOKEN protects /metrics, and the page stops polling it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tacstream-metrics-token-"));
  const token = "scrape-token-0123456789";
  const n = await main({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dir,
    LOG_LEVEL: "silent",
    METRICS_TOKEN: token,
  });
  try {
    expect((await fetch(`${n.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${n.url}/metrics`, { headers: { authorization: "Bearer wrong-token-000000" } })).status,
    ).toBe(401);
    const ok = await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("tacstream_connections");
    expect(await (await fetch(`${n.url}/`)).text()).toContain('data-metrics="0"');
  } finally {
    await n.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
