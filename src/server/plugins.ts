import type { Config } from "../config/config.ts";
import { dashboardPlugin } from "../dashboard/mod.ts";
import { feedsPlugin } from "../ingest/feeds/mod.ts";
import { metricsPlugin, Registry } from "../observability/mod.ts";
import type { Plugin } from "./plugin.ts";

/** The plugins every runtime mounts, in order. */
export function defaultPlugins(config: Config): Plugin[] {
  // One registry: /metrics shows the feeds' pollers, breakers and dead letters beside the node's own.
  const registry = new Registry();
  return [
    metricsPlugin({
      registry,
      ...(config.METRICS_TOKEN === undefined ? {} : { token: config.METRICS_TOKEN }),
    }),
    feedsPlugin({ file: config.FEEDS_FILE, registry }),
    dashboardPlugin(),
  ];
}
