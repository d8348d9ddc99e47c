/** The dead-letter queue of feeds and webhooks: what failed to parse, kept to read and replay. */
export { type DlqRouteDeps, mountDlqRoutes } from "./routes.ts";
export {
  DLQ_FORMATS,
  type DlqAdd,
  type DlqEntry,
  type DlqFormat,
  type DlqOptions,
  DlqStore,
} from "./store.ts";
