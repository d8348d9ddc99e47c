/**
 * The command-center page: boots from the data attributes the server rendered into <body>, connects
 * with the SDK and wires the views. Everything on screen is derived from the stream, `/v1/feeds` and
 * `/v1/stats`; the page keeps no state beyond this tab (the token sits in sessionStorage).
 *
 * On open it reads the feed catalog, subscribes to the `*` pattern (the server narrows it to what the
 * token may read, and adds feeds created later) with a backfill position per feed, so the recent history
 * of every readable feed arrives first and live messages follow with no gap and no duplicate at the seam
 * (the SDK's resume does that). `?feeds=a,b` restricts the page to those feeds.
 */
import { connect, type StreamMessage } from "../../client/mod.ts";
import { askToken, authFetch, forgetToken, storedToken } from "./auth.ts";
import { FiguresChart } from "./chart.ts";
import { DetailPanel } from "./detail.ts";
import { byId, frameScheduler, h } from "./dom.ts";
import { backfillPositions, type Catalog, parseCatalog } from "./feeds.ts";
import { formatRate } from "./format.ts";
import { ThreatList } from "./list.ts";
import { AlertsPanel, FeedsPanel } from "./panels.ts";
import { LiveStats } from "./stats.ts";
import { type Filter, LEVELS, type Level, matches, ThreatStore, toRow } from "./store.ts";

const ALERTS_FEED = "system.alerts";
const MAX_ROWS = 500;
const HELD = 2000;
const POLL_MS = 5000;
const FEED_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;

const body = document.body.dataset;
const filter: Filter = { levels: new Set<Level>(LEVELS), feed: "", text: "", indicator: "" };
const store = new ThreatStore(HELD);
const stats = new LiveStats();
const feeds = new FeedsPanel(byId("feeds"));
const alerts = new AlertsPanel(byId("alerts"));
const chart = new FiguresChart(byId<HTMLCanvasElement>("chart"));
const empty = byId("empty");
const pivotChip = byId<HTMLButtonElement>("pivot");
const search = byId<HTMLInputElement>("search");
let selected: string | undefined;
const detail = new DetailPanel(byId("detail"), (indicator) => setIndicator(indicator));
const list = new ThreatList(
  byId("threats"),
  (key) => {
    selected = key;
    list.select(key);
    detail.show(store.get(key));
  },
  MAX_ROWS,
);
detail.show(undefined);

const isAlerts = (id: string) => id === ALERTS_FEED;

function renderCounts(): void {
  const c = store.counts();
  for (const l of LEVELS) byId(`count-${l}`).textContent = c[l] > 0 ? String(c[l]) : "";
  feeds.render((id) => store.counts(id), isAlerts);
  if (store.size === 0) {
    empty.hidden = false;
    empty.textContent =
      "No messages yet. This page shows the recent history of every feed your token may read, then new messages as they arrive; " +
      "feeds created later appear by themselves. Publish with POST /v1/feeds/<feed>/messages.";
  } else if (list.length === 0) {
    empty.hidden = false;
    empty.textContent = "No messages match the filters.";
  } else empty.hidden = true;
}
const renderCountsSoon = frameScheduler(renderCounts);

function refilter(): void {
  list.reset(store.view(filter, MAX_ROWS));
  list.select(selected);
  renderCounts();
}
const refilterSoon = frameScheduler(refilter);

function setIndicator(indicator: string): void {
  filter.indicator = indicator;
  pivotChip.hidden = indicator === "";
  pivotChip.textContent = indicator === "" ? "" : `indicator: ${indicator} ✕`;
  refilter();
}
pivotChip.addEventListener("click", () => setIndicator(""));
search.addEventListener("input", () => {
  filter.text = search.value.trim();
  refilter();
});

for (const chip of document.querySelectorAll<HTMLButtonElement>("button[data-level]")) {
  chip.addEventListener("click", () => {
    const level = chip.dataset.level as Level;
    const on = !filter.levels.has(level);
    if (on) (filter.levels as Set<Level>).add(level);
    else (filter.levels as Set<Level>).delete(level);
    chip.setAttribute("aria-pressed", String(on));
    refilter();
  });
}
const feedSelect = byId<HTMLSelectElement>("feed-filter");
feedSelect.addEventListener("change", () => {
  filter.feed = feedSelect.value;
  refilter();
});

function renderFeedOptions(): void {
  const current = feedSelect.value;
  const ids = feeds.ids().filter((id) => !isAlerts(id));
  feedSelect.replaceChildren(
    h("option", { value: "" }, "All feeds"),
    ...ids.map((id) => h("option", { value: id }, id)),
  );
  feedSelect.value = ids.includes(current) ? current : "";
}

if (body.auth === "jwt" && storedToken() === undefined) await askToken("This server requires a token.");

const client = connect({
  url: location.origin,
  token: () => storedToken(),
  backoff: { minMs: 250, maxMs: 10_000 },
  // A backfill position before the oldest retained message gets what is left of the feed.
  onGap: "partial",
});
const conn = byId("conn");
let asking = false;
client.on("state", (s) => {
  document.body.dataset.conn = s.status;
  conn.dataset.status = s.status;
  conn.textContent = s.reconnectAttempts > 0 ? `${s.status} · retry ${s.reconnectAttempts}` : s.status;
  // A socket refused at the upgrade looks like any network failure: after a few, suspect the token.
  if (body.auth === "jwt" && s.reconnectAttempts >= 3 && !asking) {
    asking = true;
    forgetToken();
    void askToken("The connection keeps failing: the token may be invalid or expired.").then(() => {
      asking = false;
      client.reconnect();
    });
  }
});

/** The catalog once, before subscribing: where the journal stands and what the viewer may read. */
async function readCatalog(): Promise<Catalog | undefined> {
  if (body.feedsApi !== "1") return undefined;
  try {
    const res = await authFetch("/v1/feeds");
    return res.ok ? parseCatalog(await res.json()) : undefined;
  } catch {
    return undefined;
  }
}
const catalog = await readCatalog();
/** Messages up to here are history (backfill); later ones are live. */
const bootLast = catalog?.last ?? 0;
const positions = catalog === undefined ? {} : backfillPositions(catalog, HELD, 50, isAlerts);

client.on("gap", (g) => {
  // Backfilling from before the oldest retained message is expected, not news.
  if (g.reason === "retention" && positions[g.feedId]?.seq === g.since) return;
  alerts.notice(
    "high",
    `History gap on ${g.feedId} (${g.reason}): messages after seq ${g.since} could not be replayed; oldest held is ${g.earliest}.`,
  );
});
client.on("error", (e) =>
  alerts.notice(e.code === "UNAUTHORIZED" ? "critical" : "medium", `${e.code}: ${e.message}`),
);
client.on("subscribed", (e) => {
  if (isAlerts(e.feedId) || feeds.ids().includes(e.feedId)) return;
  feeds.subscribed(e.feedId);
  renderCountsSoon();
  renderFeedOptions();
});

function onMessage(m: StreamMessage): void {
  if (isAlerts(m.feedId)) {
    alerts.fromFeed(m);
    return;
  }
  const now = Date.now();
  const row = toRow(m, now);
  if (!store.add(row)) return;
  const live = m.seq > bootLast;
  // History is old by nature: counted as received, never as latency.
  stats.record(now, live ? m.timestamp : Number.NEGATIVE_INFINITY);
  const isNew = !feeds.ids().includes(m.feedId);
  feeds.seen(m);
  if (isNew) renderFeedOptions();
  // History arrives feed after feed: the list is rebuilt in journal order once per frame.
  if (!live) refilterSoon();
  else if (matches(row, filter)) list.push(row);
  renderCountsSoon();
}

const followed = new Set<string>();
function follow(feedId: string): void {
  if (followed.has(feedId) || isAlerts(feedId) || !FEED_RE.test(feedId)) return;
  followed.add(feedId);
  const from = positions[feedId];
  client.subscribe(feedId, onMessage, from === undefined ? {} : { from });
  feeds.subscribed(feedId);
  renderCountsSoon();
  renderFeedOptions();
}

const fromUrl = new URLSearchParams(location.search).get("feeds");
if (fromUrl !== null) {
  client.subscribe(ALERTS_FEED, (m) => alerts.fromFeed(m));
  for (const f of fromUrl.split(",")) if (f) follow(f.trim());
} else {
  // Every feed the token may read, now and later; the server intersects the pattern with the grants.
  client.subscribe("*", onMessage, { positions });
}
if (catalog !== undefined) {
  feeds.serverList(catalog.feeds.filter((f) => fromUrl === null || followed.has(f.id)));
  renderFeedOptions();
}
renderCounts();

const addForm = byId<HTMLFormElement>("feed-add");
addForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const input = addForm.elements.namedItem("feed") as HTMLInputElement;
  const id = input.value.trim();
  if (FEED_RE.test(id) && !id.includes("..")) {
    follow(id);
    input.value = "";
    input.removeAttribute("aria-invalid");
  } else input.setAttribute("aria-invalid", "true");
});

const figRate = byId("fig-rate");
const figP99 = byId("fig-p99");
const figConns = byId("fig-conns");
const figTotal = byId("fig-total");
let server: { rate: number; connections: number } | undefined;
function paintFigures(): void {
  const s = stats.snapshot(Date.now());
  const rate = server?.rate ?? s.rate;
  figRate.textContent = formatRate(rate);
  figP99.textContent = s.p99 === null ? "–" : `${Math.round(s.p99)} ms`;
  figTotal.textContent = String(s.total);
  figConns.textContent = server === undefined ? "–" : String(server.connections);
  chart.push(rate, s.p99);
}
setInterval(() => {
  paintFigures();
  renderCounts();
}, 1000);

/** Polls an endpoint the server announced in <body>, at once and then every `ms`. */
function poll(
  path: string,
  enabled: string | undefined,
  ms: number,
  use: (res: Response) => Promise<void>,
): void {
  if (enabled !== "1") return;
  const tick = async () => {
    // While the socket is down the server is too: no request, no console noise.
    if (client.state.status !== "connected") return;
    try {
      const res = await authFetch(path);
      if (res.ok) await use(res);
    } catch {
      // The server is restarting; the connection indicator already says so.
    }
  };
  void tick();
  setInterval(tick, ms);
}
// Server-wide figures, right from the first second: the node counts, the page only shows.
poll("/v1/stats", body.stats, 1000, async (res) => {
  const j = (await res.json()) as { rate?: unknown; connections?: unknown };
  if (typeof j.rate === "number" && typeof j.connections === "number") {
    server = { rate: j.rate, connections: j.connections };
    paintFigures();
  }
});
// The catalog again from time to time: poller status, counts, and feeds that have not spoken yet.
poll("/v1/feeds", body.feedsApi, POLL_MS, async (res) => {
  const c = parseCatalog(await res.json());
  const mine = c.feeds.filter((f) => fromUrl === null || followed.has(f.id));
  feeds.serverList(mine);
  renderCounts();
  renderFeedOptions();
});

performance.mark("tacstream:ready");
document.body.dataset.ready = "1";
