import type { Hono } from "hono";
import type { Plugin } from "../server/plugin.ts";
import { AlertEvaluator, type AlertThresholds, type AlertTransition } from "./alerts.ts";
import type { Logger } from "./log.ts";
import { NodeMetrics } from "./node-metrics.ts";
import { LagSampler, registerProcessMetrics } from "./process-stats.ts";
import { CONTENT_TYPE, Registry } from "./registry.ts";

export interface MetricsPluginOptions {
  /** Share one registry with other plugins (breakers, pollers); a new one by default. */
  registry?: Registry;
  /** Where the Prometheus text is served. Default `/metrics`. */
  path?: string;
  /**
   * A bearer token the scraper must send (METRICS_TOKEN). Metrics name feeds and subjects' activity, so
   * production deployments set it; without it `/metrics` is open, as Prometheus endpoints usually are.
   */
  token?: string;
  /** Alert thresholds (seed defaults: 5 % errors, 1 s average latency, 1,000 queued); `false` disables. */
  alerts?: Partial<AlertThresholds> | false;
  /** How often the alert rules are evaluated. Default 5,000 ms. */
  alertIntervalMs?: number;
  /** The feed alerts are posted to. Default `system.alerts`. */
  alertFeed?: string;
  /** Distinct feed label values before new feeds are reported as `other`. Default 100. */
  maxFeedLabels?: number;
  now?: () => number;
}

export interface MetricsPlugin extends Plugin {
  readonly registry: Registry;
  readonly metrics: NodeMetrics;
  /** The alert rules; `active` lists the alerts currently raised. */
  readonly alerts: AlertEvaluator | undefined;
  /** Runs one alert evaluation now (the timer calls it every `alertIntervalMs`). */
  evaluateAlerts(): Promise<AlertTransition[]>;
}

/**
 * Metrics, alerts and process health as a plugin: `GET /metrics` (Prometheus text), the seed's alert
 * rules evaluated every 5 s and posted to `system.alerts`, and a `registry` other plugins register
 * their own gauges in.
 */
export function metricsPlugin(opts: MetricsPluginOptions = {}): MetricsPlugin {
  const registry = opts.registry ?? new Registry();
  const metrics = new NodeMetrics(registry, opts.maxFeedLabels ?? 100);
  const lag = new LagSampler();
  registerProcessMetrics(registry, lag);
  const alerts = opts.alerts === false ? undefined : new AlertEvaluator(opts.alerts ?? {}, opts.now);
  const alertActive = registry.gauge("tacstream_alert_active", "1 while an alert is raised.", ["alert"]);
  const alertFeed = opts.alertFeed ?? "system.alerts";
  let detach: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let evaluating: Promise<AlertTransition[]> | undefined;
  let log: Logger | undefined;
  let post: ((t: AlertTransition) => Promise<unknown>) | undefined;

  const evaluate = async (): Promise<AlertTransition[]> => {
    if (alerts === undefined) return [];
    // The queue depth comes from the journal; reading it here keeps the alert and the gauge in step.
    await registry.expose((err) => log?.warn("metrics collector failed", { err }));
    const transitions = alerts.evaluate(metrics.alertSample(metrics.queueDepth.value));
    for (const t of transitions) {
      alertActive.labels(t.alert).set(t.state === "raised" ? 1 : 0);
      const fields = { alert: t.alert, value: t.value, threshold: t.threshold };
      if (t.state === "raised") log?.warn(`alert raised: ${t.message}`, fields);
      else log?.info(`alert cleared: ${t.message}`, fields);
      await post?.(t).catch((err) => log?.error("could not post alert", { err, alert: t.alert }));
    }
    return transitions;
  };

  return {
    name: "metrics",
    registry,
    metrics,
    alerts,
    routes(app: Hono, ctx) {
      const expected = opts.token === undefined ? undefined : `Bearer ${opts.token}`;
      app.get(opts.path ?? "/metrics", async (c) => {
        if (expected !== undefined && !sameText(c.req.header("authorization") ?? "", expected)) {
          return c.json({ error: { code: "UNAUTHORIZED", message: "metrics need the scrape token" } }, 401);
        }
        const text = await registry.expose((err) => ctx.log.warn("metrics collector failed", { err }));
        return new Response(text, { headers: { "content-type": CONTENT_TYPE } });
      });
    },
    start(ctx) {
      log = ctx.log.child({ plugin: "metrics" });
      detach = metrics.attach(ctx);
      lag.start();
      post = (t) =>
        ctx.ingestor.ingest(alertFeed, [
          {
            priority: "high",
            type: t.state === "raised" ? "error" : "metadata",
            payload: {
              alert: t.alert,
              state: t.state,
              value: t.value,
              threshold: t.threshold,
              message: t.message,
              at: t.at,
            },
          },
        ]);
      if (alerts !== undefined) {
        timer = setInterval(() => {
          evaluating ??= evaluate().finally(() => {
            evaluating = undefined;
          });
        }, opts.alertIntervalMs ?? 5000);
        (timer as { unref?: () => void }).unref?.();
      }
    },
    async stop() {
      clearInterval(timer);
      lag.stop();
      await evaluating?.catch(() => undefined);
      detach?.();
      detach = undefined;
    },
    evaluateAlerts: evaluate,
  };
}

/** Compares without an early exit, so the time taken does not tell how much of the token was right. */
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.charCodeAt(i) || 0) ^ b.charCodeAt(i);
  return diff === 0;
}
