/**
 * The command-center page: boots from the data attributes the server rendered into <body>, connects
 * with the SDK and wires the views. Everything on screen is derived from the stream, `/v1/feeds` and
 * `/metrics`; the page keeps no state beyond this tab (the token sits in sessionStorage).
 */
import { connect, type StreamMessage } from "../../client/mod.ts";
import { askToken, authFetch, forgetToken, storedToken } from "./auth.ts";
import { FiguresChart } from "./chart.ts";
import { DetailPanel } from "./detail.ts";
import { byId, h } from "./dom.ts";
import { parseFeedList } from "./feeds.ts";
import { formatRate } from "./format.ts";
import { ThreatList } from "./list.ts";
import { AlertsPanel, FeedsPanel } from "./panels.ts";
import { connectionsFromMetrics, LiveStats } from "./stats.ts";
import { type Filter, LEVELS, type Level, matches, ThreatStore, toRow } from "./store.ts";

const ALERTS_FEED = "system.alerts";
const MAX_ROWS = 500;
const POLL_MS = 5000;
const FEED_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;

const body = document.body.dataset;
const filter: Filter = { levels: new Set<Level>(LEVELS), feed: "" };
const store = new ThreatStore(2000);
const stats = new LiveStats();
const detail = new DetailPanel(byId("detail"));
const feeds = new FeedsPanel(byId("feeds"));
const alerts = new AlertsPanel(byId("alerts"));
const chart = new FiguresChart(byId<HTMLCanvasElement>("chart"));
let selected: string | undefined;
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

function refilter(): void {
  list.reset(store.view(filter, MAX_ROWS));
  list.select(selected);
}

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
  const ids = feeds.ids().filter((id) => id !== ALERTS_FEED);
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
client.on("gap", (g) =>
  alerts.notice(
    "high",
    `History gap on ${g.feedId} (${g.reason}): messages after seq ${g.since} could not be replayed; oldest held is ${g.earliest}.`,
  ),
);
client.on("error", (e) =>
  alerts.notice(e.code === "UNAUTHORIZED" ? "critical" : "medium", `${e.code}: ${e.message}`),
);

function onMessage(m: StreamMessage): void {
  const now = Date.now();
  stats.record(now, m.timestamp);
  feeds.seen(m);
  const row = toRow(m, now);
  store.add(row);
  if (matches(row, filter)) list.push(row);
}

const followed = new Set<string>();
function follow(feedId: string): void {
  if (followed.has(feedId) || feedId === ALERTS_FEED || !FEED_RE.test(feedId)) return;
  followed.add(feedId);
  client.subscribe(feedId, onMessage);
  feeds.subscribed(feedId);
  feeds.render();
  renderFeedOptions();
}
client.subscribe(ALERTS_FEED, (m) => alerts.fromFeed(m));

const fromUrl = new URLSearchParams(location.search).get("feeds");
for (const f of (fromUrl ?? body.defaultFeeds ?? "").split(",")) if (f) follow(f.trim());

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

let connections: number | undefined;
const figRate = byId("fig-rate");
const figP99 = byId("fig-p99");
const figConns = byId("fig-conns");
const figTotal = byId("fig-total");
setInterval(() => {
  const s = stats.snapshot(Date.now());
  figRate.textContent = formatRate(s.rate);
  figP99.textContent = s.p99 === null ? "–" : `${Math.round(s.p99)} ms`;
  figTotal.textContent = String(s.total);
  figConns.textContent = connections === undefined ? "–" : String(connections);
  chart.push(s.rate, s.p99);
  feeds.render();
}, 1000);

/** Polls an optional endpoint; the server told us in <body> whether it exists, so no 404 noise. */
function poll(path: string, enabled: string | undefined, use: (res: Response) => Promise<void>): void {
  if (enabled !== "1") return;
  const tick = async () => {
    try {
      const res = await authFetch(path);
      if (res.ok) await use(res);
    } catch {
      // The server is restarting; the connection indicator already says so.
    }
  };
  void tick();
  setInterval(tick, POLL_MS);
}
poll("/v1/feeds", body.feedsApi, async (res) => {
  const list = parseFeedList(await res.json());
  feeds.serverList(list);
  for (const f of list) follow(f.id);
  feeds.render();
  renderFeedOptions();
});
poll("/metrics", body.metrics, async (res) => {
  connections = connectionsFromMetrics(await res.text());
});

performance.mark("tacstream:ready");
document.body.dataset.ready = "1";
