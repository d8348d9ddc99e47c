import type { Config } from "../config/config.ts";
import { dashboardPlugin } from "../dashboard/mod.ts";
import type { Plugin } from "./plugin.ts";

/** The plugins every runtime mounts, in order. */
export function defaultPlugins(_config: Config): Plugin[] {
  return [dashboardPlugin()];
}
