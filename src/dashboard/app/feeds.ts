/** A feed as the side panel shows it, read loosely from `GET /v1/feeds` (built elsewhere, may change). */
export interface FeedInfo {
  id: string;
  status: string;
  breaker: string;
  detail: string;
}

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;

/** Accepts `[...]`, `{feeds: [...]}` or `{feeds: {id: {...}}}`; items without an id are skipped. */
export function parseFeedList(body: unknown): FeedInfo[] {
  let items: unknown[] = [];
  const o = body as Obj | null;
  if (Array.isArray(body)) items = body;
  else if (o !== null && typeof o === "object" && Array.isArray(o.feeds)) items = o.feeds;
  else if (o !== null && typeof o === "object" && typeof o.feeds === "object" && o.feeds !== null) {
    items = Object.entries(o.feeds as Obj).map(([id, v]) => ({ id, ...(v as Obj) }));
  }
  const out: FeedInfo[] = [];
  for (const raw of items) {
    if (typeof raw === "string") {
      out.push({ id: raw, status: "", breaker: "", detail: "" });
      continue;
    }
    if (raw === null || typeof raw !== "object") continue;
    const f = raw as Obj;
    const id = str(f.id) ?? str(f.feedId) ?? str(f.name);
    if (id === undefined) continue;
    const breakerRaw = f.breaker ?? f.circuit ?? f.circuitBreaker;
    const breaker = str(breakerRaw) ?? str((breakerRaw as Obj | null | undefined)?.state) ?? "";
    const status = str(f.status) ?? str(f.state) ?? str(f.health) ?? (f.enabled === false ? "disabled" : "");
    const detail = [str(f.type) ?? str(f.kind), str(f.lastError) ?? str((f.last as Obj | undefined)?.error)]
      .filter((x) => x !== undefined && x !== "")
      .join(" · ");
    out.push({ id, status, breaker, detail });
  }
  return out;
}
