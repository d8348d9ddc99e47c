export type { Bundler } from "./bundle.ts";
export { type DashboardOptions, dashboardPlugin } from "./plugin.tsx";
