/** A feed as the side panel shows it, read loosely from `GET /v1/feeds` (built elsewhere, may change). */
export interface FeedInfo {
  id: string;
  status: string;
  breaker: string;
  detail: string;
  /** From the feed catalog: messages in the journal, newest seq and time. */
  count?: number;
  newestSeq?: number;
  newestAt?: number;
}

/** The catalog as the page uses it: where the journal stands, and the feeds the viewer may read. */
export interface Catalog {
  epoch: string;
  last: number;
  feeds: FeedInfo[];
}

export function parseCatalog(body: unknown): Catalog {
  const o = (body ?? {}) as Obj;
  return {
    epoch: typeof o.epoch === "string" ? o.epoch : "",
    last: typeof o.last === "number" ? o.last : 0,
    feeds: parseFeedList(body),
  };
}

/**
 * Where the backfill starts for each feed: `budget` journal positions shared among the feeds (at least
 * `floor` each) before each feed's newest message, so the page holds at most about `budget` messages
 * of history however many feeds there are, and each feed shows its own recent past.
 */
export function backfillPositions(
  c: Catalog,
  budget: number,
  floor = 50,
  skip: (id: string) => boolean = () => false,
): Record<string, { seq: number; epoch: string }> {
  const feeds = c.feeds.filter((f) => (f.newestSeq ?? 0) > 0 && !skip(f.id));
  const out: Record<string, { seq: number; epoch: string }> = {};
  if (c.epoch === "" || feeds.length === 0) return out;
  const each = Math.max(floor, Math.floor(budget / feeds.length));
  for (const f of feeds) out[f.id] = { seq: Math.max(0, f.newestSeq! - each), epoch: c.epoch };
  return out;
}

/** Breaker and poller states in an analyst's words ("closed" reads as bad to anyone but an engineer). */
export function plainHealth(
  status: string,
  breaker: string,
): { text: string; tone: "good" | "warn" | "bad" | "" } {
  const b = breaker.toLowerCase().replace(/[^a-z]/g, "");
  if (b === "open") return { text: "failing, retrying", tone: "bad" };
  if (b === "halfopen") return { text: "recovering", tone: "warn" };
  switch (status) {
    case "ok":
      return { text: "healthy", tone: "good" };
    case "failing":
    case "circuit-open":
      return { text: "failing, retrying", tone: "bad" };
    case "standby":
      return { text: "standby (another node polls)", tone: "" };
    case "starting":
      return { text: "starting", tone: "warn" };
    case "push":
      return { text: "receives pushes", tone: "good" };
    case "disabled":
      return { text: "disabled", tone: "" };
    default:
      return { text: status, tone: "" };
  }
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
    const info: FeedInfo = { id, status, breaker, detail };
    if (typeof f.count === "number") info.count = f.count;
    if (typeof f.newestSeq === "number") info.newestSeq = f.newestSeq;
    const at = typeof f.newestAt === "string" ? Date.parse(f.newestAt) : Number.NaN;
    if (Number.isFinite(at)) info.newestAt = at;
    out.push(info);
  }
  return out;
}
