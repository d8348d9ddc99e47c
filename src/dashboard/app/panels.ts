import type { StreamMessage } from "../../client/mod.ts";
import { h } from "./dom.ts";
import { type FeedInfo, plainHealth } from "./feeds.ts";
import { formatTime } from "./format.ts";
import type { LevelCounts } from "./store.ts";

interface FeedLine {
  info: FeedInfo | undefined;
  subscribed: boolean;
  count: number;
  last: number;
}

/** Feeds with what the server says about them (status, breaker) and what this page received. */
export class FeedsPanel {
  readonly #el: HTMLElement;
  readonly #feeds = new Map<string, FeedLine>();

  constructor(el: HTMLElement) {
    this.#el = el;
  }

  ids(): string[] {
    return [...this.#feeds.keys()].sort();
  }

  subscribed(id: string): void {
    this.#line(id).subscribed = true;
  }

  seen(m: StreamMessage): void {
    const l = this.#line(m.feedId);
    l.count++;
    l.last = m.timestamp;
  }

  serverList(list: FeedInfo[]): void {
    for (const info of list) this.#line(info.id).info = info;
  }

  /** The feeds in the list, minus `hidden`; `counts` gives the severity counts of what the page holds. */
  render(counts: (feedId: string) => LevelCounts, hidden: (id: string) => boolean = () => false): void {
    const ids = this.ids().filter((id) => !hidden(id));
    if (ids.length === 0) {
      this.#el.replaceChildren(h("li", { class: "muted" }, "No feed you may read has messages yet."));
      return;
    }
    this.#el.replaceChildren(
      ...ids.map((id) => {
        const l = this.#feeds.get(id)!;
        const status = l.info?.status ?? "";
        const breaker = l.info?.breaker ?? "";
        const health = plainHealth(status, breaker);
        const inJournal = l.info?.count;
        const newest = Math.max(l.last, l.info?.newestAt ?? 0);
        const c = counts(id);
        const sev = (["critical", "high", "medium", "low", "info"] as const)
          .filter((k) => c[k] > 0)
          .map((k) => h("span", { class: `n lvl-${k}`, title: k }, `${c[k]} ${k}`));
        return h(
          "li",
          { "data-feed": id, class: `feed st-${status.toLowerCase().replace(/[^a-z-]/g, "")}` },
          h("span", { class: "name" }, id),
          health.text
            ? h("span", { class: `status tone-${health.tone}`, "data-raw": breaker || status }, health.text)
            : null,
          h(
            "span",
            { class: "count" },
            [
              inJournal === undefined
                ? l.count > 0
                  ? `${l.count} received`
                  : ""
                : `${inJournal} in journal`,
              newest > 0 ? `newest ${formatTime(newest)}` : "",
            ]
              .filter(Boolean)
              .join(" · "),
          ),
          sev.length > 0 ? h("span", { class: "sevs" }, ...sev) : null,
          l.info?.detail ? h("span", { class: "detail" }, l.info.detail) : null,
        );
      }),
    );
  }

  #line(id: string): FeedLine {
    let l = this.#feeds.get(id);
    if (l === undefined) {
      l = { info: undefined, subscribed: false, count: 0, last: 0 };
      this.#feeds.set(id, l);
    }
    return l;
  }
}

/** Operational alerts: the `system.alerts` feed and the page's own notices (gaps, auth, errors). */
export class AlertsPanel {
  readonly #el: HTMLElement;
  readonly #max: number;

  constructor(el: HTMLElement, max = 50) {
    this.#el = el;
    this.#max = max;
  }

  fromFeed(m: StreamMessage): void {
    const p = (m.payload ?? {}) as Record<string, unknown>;
    const text =
      [p.title, p.message, p.summary, p.name].find((x): x is string => typeof x === "string") ??
      JSON.stringify(m.payload);
    const severity = [p.severity, p.level, p.threatLevel].find((x): x is string => typeof x === "string");
    this.add(severity ?? m.priority, text, m.timestamp, "alert");
  }

  notice(severity: string, text: string): void {
    this.add(severity, text, Date.now(), "notice");
  }

  add(severity: string, text: string, at: number, kind: string): void {
    const sev = severity.toLowerCase().replace(/[^a-z]/g, "");
    this.#el.prepend(
      h(
        "li",
        { class: `${kind} sev-${sev}` },
        h("span", { class: "t" }, formatTime(at)),
        h("span", { class: "sev" }, sev),
        h("span", { class: "text" }, text),
      ),
    );
    while (this.#el.childElementCount > this.#max) this.#el.lastElementChild?.remove();
  }
}
