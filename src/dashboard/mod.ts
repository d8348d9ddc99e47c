export { type DashboardOptions, dashboardPlugin } from "./plugin.tsx";
