/**
 * The page stylesheet, as a module so every runtime and every bundle (Node's dist/) carries it: no file
 * has to be found next to the code at run time.
 */
export const APP_CSS = `:root {
  --bg: #0d1117;
  --panel: #161b22;
  --line: #30363d;
  --text: #e6edf3;
  --muted: #8b949e;
  --critical: #ff4d4f;
  --high: #ff8c1a;
  --medium: #f2c200;
  --low: #4cc3ff;
  --info: #8a94a6;
  color-scheme: dark;
}
* {
  box-sizing: border-box;
}
html,
body {
  height: 100%;
  margin: 0;
}
body {
  background: var(--bg);
  color: var(--text);
  font:
    13px / 1.4 system-ui,
    -apple-system,
    "Segoe UI",
    Roboto,
    sans-serif;
  display: flex;
  flex-direction: column;
}
header {
  display: flex;
  align-items: center;
  gap: 16px;
  padding: 8px 14px;
  background: var(--panel);
  border-bottom: 1px solid var(--line);
}
h1 {
  font-size: 15px;
  margin: 0;
  letter-spacing: 0.04em;
  text-transform: uppercase;
}
h2 {
  font-size: 12px;
  margin: 0 0 6px;
  color: var(--muted);
  text-transform: uppercase;
  letter-spacing: 0.06em;
}
h3 {
  font-size: 12px;
  margin: 12px 0 4px;
  color: var(--muted);
}
.conn {
  padding: 2px 8px;
  border-radius: 10px;
  border: 1px solid var(--line);
  font-size: 12px;
}
.conn[data-status="connected"] {
  color: #3fb950;
  border-color: #3fb950;
}
.conn[data-status="connecting"] {
  color: var(--medium);
  border-color: var(--medium);
}
.conn[data-status="disconnected"],
.conn[data-status="error"] {
  color: var(--critical);
  border-color: var(--critical);
}
.figures {
  display: flex;
  gap: 14px;
  margin: 0 0 0 auto;
}
.figures div {
  text-align: right;
}
.figures dt {
  font-size: 10px;
  color: var(--muted);
  text-transform: uppercase;
}
.figures dd {
  margin: 0;
  font:
    600 15px / 1.2 ui-monospace,
    SFMono-Regular,
    Menlo,
    monospace;
}
#chart {
  width: 240px;
  height: 40px;
  border: 1px solid var(--line);
  border-radius: 4px;
}
main {
  flex: 1;
  display: grid;
  grid-template-columns: 240px 1fr 360px;
  min-height: 0;
}
#side,
#detail {
  background: var(--panel);
  overflow: auto;
  padding: 10px;
}
#side {
  border-right: 1px solid var(--line);
  display: flex;
  flex-direction: column;
  gap: 16px;
}
#detail {
  border-left: 1px solid var(--line);
}
#stream {
  display: flex;
  flex-direction: column;
  min-height: 0;
  min-width: 0;
}
.filters {
  display: flex;
  gap: 6px;
  padding: 8px 10px;
  border-bottom: 1px solid var(--line);
  flex-wrap: wrap;
}
.chip {
  background: transparent;
  color: var(--muted);
  border: 1px solid var(--line);
  border-radius: 12px;
  padding: 2px 10px;
  cursor: pointer;
  font: inherit;
}
.chip[aria-pressed="true"] {
  color: var(--bg);
  font-weight: 600;
}
.chip.lvl-critical[aria-pressed="true"] {
  background: var(--critical);
}
.chip.lvl-high[aria-pressed="true"] {
  background: var(--high);
}
.chip.lvl-medium[aria-pressed="true"] {
  background: var(--medium);
}
.chip.lvl-low[aria-pressed="true"] {
  background: var(--low);
}
.chip.lvl-info[aria-pressed="true"] {
  background: var(--info);
}
select,
input,
button {
  background: var(--bg);
  color: var(--text);
  border: 1px solid var(--line);
  border-radius: 4px;
  padding: 3px 6px;
  font: inherit;
}
input[aria-invalid="true"] {
  border-color: var(--critical);
}
ol,
ul {
  list-style: none;
  margin: 0;
  padding: 0;
}
/* Virtualised: rows are absolutely placed by index. */
.rows {
  position: relative;
  overflow: auto;
  flex: 1;
  contain: strict;
}
/* The scrollbar's length: --rows-height is set by the list to rows × row height. */
.rows::before {
  content: "";
  display: block;
  height: var(--rows-height, 0);
}
.row {
  position: absolute;
  top: 0;
  left: 0;
  right: 0;
  height: 22px;
  line-height: 17px;
  display: grid;
  grid-template-columns: 96px 66px 130px 1fr 120px 44px;
  gap: 8px;
  padding: 2px 10px;
  border-bottom: 1px solid #21262d;
  border-left: 3px solid transparent;
  cursor: pointer;
  white-space: nowrap;
}
.row[hidden] {
  display: none;
}
.row > span {
  overflow: hidden;
  text-overflow: ellipsis;
}
.row:hover,
.row:focus {
  background: #1c2330;
  outline: none;
}
.row.selected {
  background: #222c3b;
}
.row .t,
.row .conf {
  font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
  color: var(--muted);
}
.row .lvl {
  font-weight: 600;
  text-transform: uppercase;
  font-size: 11px;
}
.row .feed,
.row .src {
  color: var(--muted);
}
.lvl-critical {
  border-left-color: var(--critical);
}
.lvl-critical .lvl,
h2.lvl-critical {
  color: var(--critical);
}
.lvl-high {
  border-left-color: var(--high);
}
.lvl-high .lvl,
h2.lvl-high {
  color: var(--high);
}
.lvl-medium {
  border-left-color: var(--medium);
}
.lvl-medium .lvl,
h2.lvl-medium {
  color: var(--medium);
}
.lvl-low {
  border-left-color: var(--low);
}
.lvl-low .lvl,
h2.lvl-low {
  color: var(--low);
}
.lvl-info {
  border-left-color: var(--info);
}
.lvl-info .lvl,
h2.lvl-info {
  color: var(--info);
}
#detail h2 {
  font-size: 15px;
  text-transform: none;
  letter-spacing: 0;
}
#detail dl {
  display: grid;
  grid-template-columns: 84px 1fr;
  gap: 2px 8px;
  margin: 8px 0;
}
#detail dt {
  color: var(--muted);
}
#detail dd {
  margin: 0;
  word-break: break-all;
}
#detail pre {
  background: var(--bg);
  padding: 6px;
  overflow: auto;
  max-height: 240px;
}
.desc {
  color: #c9d1d9;
}
.indicators li {
  display: flex;
  gap: 6px;
  padding: 1px 0;
}
.indicators .kind {
  color: var(--muted);
  min-width: 48px;
}
.muted {
  color: var(--muted);
}
#feed-add {
  display: flex;
  gap: 4px;
  margin-bottom: 6px;
}
#feed-add input {
  flex: 1;
  min-width: 0;
}
.feeds li {
  display: flex;
  flex-wrap: wrap;
  gap: 4px 8px;
  padding: 4px 0;
  border-bottom: 1px solid #21262d;
}
.feeds .name {
  font-weight: 600;
  flex: 1;
}
.feeds .status,
.feeds .breaker {
  font-size: 11px;
  padding: 0 6px;
  border-radius: 8px;
  border: 1px solid var(--line);
}
.feeds .br-open {
  color: var(--critical);
  border-color: var(--critical);
}
.feeds .br-half-open,
.feeds .br-halfopen {
  color: var(--medium);
  border-color: var(--medium);
}
.feeds .br-closed {
  color: #3fb950;
  border-color: #3fb950;
}
.feeds .count,
.feeds .detail {
  width: 100%;
  color: var(--muted);
  font-size: 11px;
}
.alerts li {
  display: grid;
  grid-template-columns: auto 1fr;
  gap: 2px 8px;
  padding: 3px 0;
  border-bottom: 1px solid #21262d;
}
.alerts .text {
  grid-column: 1 / -1;
  overflow-wrap: anywhere;
}
.alerts .t {
  color: var(--muted);
  font-family: ui-monospace, monospace;
}
.alerts .sev {
  text-transform: uppercase;
  font-size: 11px;
  font-weight: 600;
}
.alerts .sev-critical .sev {
  color: var(--critical);
}
.alerts .sev-high .sev,
.alerts .sev-error .sev {
  color: var(--high);
}
.alerts .sev-medium .sev,
.alerts .sev-warning .sev,
.alerts .sev-warn .sev {
  color: var(--medium);
}
dialog {
  background: var(--panel);
  color: var(--text);
  border: 1px solid var(--line);
  border-radius: 6px;
}
#token-dialog input {
  width: 320px;
}
@media (max-width: 1100px) {
  main {
    grid-template-columns: 200px 1fr;
  }
  #detail {
    grid-column: 1 / -1;
    border-left: 0;
    border-top: 1px solid var(--line);
  }
}

.chip .n:not(:empty)::before {
  content: "· ";
}
#search {
  flex: 1 1 160px;
  min-width: 120px;
}
.pivot-chip {
  border-radius: 12px;
  border-color: var(--low);
  color: var(--low);
  cursor: pointer;
}
.pivot-chip[hidden],
.empty[hidden] {
  display: none;
}
.empty {
  margin: 0;
  padding: 24px 16px;
  color: var(--muted);
  font-size: 14px;
  max-width: 60ch;
}
.feeds .tone-good {
  color: #3fb950;
  border-color: #3fb950;
}
.feeds .tone-warn {
  color: var(--medium);
  border-color: var(--medium);
}
.feeds .tone-bad {
  color: var(--critical);
  border-color: var(--critical);
}
.feeds .sevs {
  width: 100%;
  display: flex;
  flex-wrap: wrap;
  gap: 2px 8px;
  font-size: 11px;
}
.feeds .sevs .n {
  border: 0;
}
.sevs .lvl-critical {
  color: var(--critical);
}
.sevs .lvl-high {
  color: var(--high);
}
.sevs .lvl-medium {
  color: var(--medium);
}
.sevs .lvl-low {
  color: var(--low);
}
.sevs .lvl-info {
  color: var(--info);
}
.indicators button {
  padding: 0 4px;
  font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
  cursor: pointer;
  text-align: left;
  overflow-wrap: anywhere;
}
.indicators .pivot {
  border-color: transparent;
  color: var(--low);
  text-decoration: underline dotted;
}
.indicators .copy {
  font-size: 10px;
  color: var(--muted);
}
#detail a {
  color: var(--low);
}
header {
  flex-wrap: wrap;
  row-gap: 6px;
}
h1 {
  min-width: 0;
}
/* Narrow screens: one column, header on two lines, the list first. */
@media (max-width: 900px) {
  main {
    grid-template-columns: 1fr;
    grid-template-rows: minmax(320px, 1fr) auto auto;
    overflow: auto;
  }
  #stream {
    order: -1;
  }
  #side,
  #detail {
    border: 0;
    border-top: 1px solid var(--line);
  }
  .row {
    grid-template-columns: 104px 58px 1fr;
    gap: 6px;
    padding: 2px 8px;
  }
  .row .feed,
  .row .src,
  .row .conf {
    display: none;
  }
}
@media (max-width: 520px) {
  header {
    padding: 6px 10px;
    gap: 8px;
  }
  h1 {
    font-size: 13px;
    flex: 1 1 auto;
    white-space: normal;
  }
  .figures {
    margin: 0;
    width: 100%;
    justify-content: space-between;
    gap: 8px;
  }
  #chart {
    display: none;
  }
}
`;
