export * from "./alerts.ts";
export * from "./log.ts";
export { BACKDATED_SECONDS, LATENCY_BUCKETS, NodeMetrics } from "./node-metrics.ts";
export { type MetricsPlugin, type MetricsPluginOptions, metricsPlugin } from "./plugin.ts";
export { LagSampler } from "./process-stats.ts";
export { isSecretKey, REDACTED, redactReplacer, redactString } from "./redact.ts";
export * from "./registry.ts";
export { REQUEST_ID_HEADER, requestId, requestIdFor, requestLogger } from "./request-id.ts";
