import type { StreamMessage } from "../../client/mod.ts";
import { h } from "./dom.ts";
import type { FeedInfo } from "./feeds.ts";
import { formatTime } from "./format.ts";

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

  render(): void {
    this.#el.replaceChildren(
      ...this.ids().map((id) => {
        const l = this.#feeds.get(id)!;
        const status = l.info?.status || (l.subscribed ? "subscribed" : "");
        const breaker = l.info?.breaker ?? "";
        return h(
          "li",
          { "data-feed": id, class: `feed st-${status.toLowerCase().replace(/[^a-z-]/g, "")}` },
          h("span", { class: "name" }, id),
          h("span", { class: "status" }, status),
          breaker
            ? h("span", { class: `breaker br-${breaker.toLowerCase().replace(/[^a-z-]/g, "")}` }, breaker)
            : null,
          h("span", { class: "count" }, l.count > 0 ? `${l.count} · ${formatTime(l.last)}` : ""),
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
