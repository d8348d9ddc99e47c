/** @jsxImportSource hono/jsx */
/** The server-rendered shell: layout and empty panels paint at once; app.js (a module) fills them in. */
export interface PageProps {
  title: string;
  auth: string;
  feedsApi: boolean;
  metrics: boolean;
  defaultFeeds: string;
  /** Appended to asset URLs so a new build is never served from a stale cache. */
  version: string;
}

const LEVELS = ["critical", "high", "medium", "low", "info"] as const;

export function Page(p: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{p.title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={`/dashboard/app.css?v=${p.version}`} />
        <script type="module" src={`/dashboard/app.js?v=${p.version}`} />
      </head>
      <body
        data-auth={p.auth}
        data-feeds-api={p.feedsApi ? "1" : "0"}
        data-metrics={p.metrics ? "1" : "0"}
        data-stats="1"
        data-default-feeds={p.defaultFeeds}
        data-conn="connecting"
      >
        <header>
          <h1>{p.title}</h1>
          <span id="conn" class="conn" data-status="connecting" role="status">
            connecting
          </span>
          <dl class="figures">
            <div>
              <dt title="messages per second on this node, every feed">msg/s</dt>
              <dd id="fig-rate">0</dd>
            </div>
            <div>
              <dt>p99</dt>
              <dd id="fig-p99">–</dd>
            </div>
            <div>
              <dt>connections</dt>
              <dd id="fig-conns">–</dd>
            </div>
            <div>
              <dt>received</dt>
              <dd id="fig-total">0</dd>
            </div>
          </dl>
          <canvas id="chart" width="240" height="40" aria-label="messages per second and p99 latency" />
        </header>
        <main>
          <aside id="side">
            <section>
              <h2>Feeds</h2>
              <form id="feed-add" autocomplete="off">
                <input name="feed" placeholder="add feed id" aria-label="feed id to follow" />
                <button type="submit">Follow</button>
              </form>
              <ul id="feeds" class="feeds" />
            </section>
            <section>
              <h2>Alerts</h2>
              <ul id="alerts" class="alerts" />
            </section>
          </aside>
          <section id="stream" aria-label="live threat stream">
            <div class="filters" role="toolbar" aria-label="filters">
              {LEVELS.map((l) => (
                <button type="button" class={`chip lvl-${l}`} data-level={l} aria-pressed="true">
                  {l} <span class="n" id={`count-${l}`} />
                </button>
              ))}
              <select id="feed-filter" aria-label="feed filter">
                <option value="">All feeds</option>
              </select>
              <input
                id="search"
                type="search"
                placeholder="search text or indicator"
                aria-label="search messages"
                autocomplete="off"
              />
              <button type="button" id="pivot" class="pivot-chip" hidden title="clear the indicator filter" />
            </div>
            <p id="empty" class="empty" role="status" />
            <ol id="threats" class="rows" aria-label="threats, newest first" />
          </section>
          <aside id="detail" aria-live="polite" />
        </main>
        <dialog id="token-dialog">
          <form method="dialog">
            <h2>Access token</h2>
            <p id="token-reason" />
            <input type="password" name="token" aria-label="token" autocomplete="off" />
            <p class="muted">Kept in this tab only (sessionStorage).</p>
            <button type="submit">Connect</button>
          </form>
        </dialog>
      </body>
    </html>
  );
}
