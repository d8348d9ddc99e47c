import { ttlRemainingMs } from "../../client/mod.ts";
import { h } from "./dom.ts";
import { formatDuration, formatTime, splitIndicator } from "./format.ts";
import type { Row } from "./store.ts";

/** The full message: indicators, source, confidence, and a TTL that counts down while it is open. */
export class DetailPanel {
  readonly #el: HTMLElement;
  readonly #pivot: (indicator: string) => void;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** `pivot`: an indicator was clicked (the page filters by it). */
  constructor(el: HTMLElement, pivot: (indicator: string) => void = () => {}) {
    this.#el = el;
    this.#pivot = pivot;
    el.addEventListener("click", (e) => {
      const t = (e.target as HTMLElement | null)?.closest?.("[data-indicator]");
      const ind = t?.getAttribute("data-indicator");
      if (!ind) return;
      if (t?.classList.contains("copy")) void navigator.clipboard?.writeText(ind).catch(() => {});
      else this.#pivot(ind);
    });
  }

  show(row: Row | undefined): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (row === undefined) {
      this.#el.replaceChildren(h("p", { class: "muted" }, "Select a message to see it in full."));
      return;
    }
    const m = row.message;
    const p = (m.payload ?? {}) as Record<string, unknown>;
    const threat = row.confidence !== undefined;
    const ttl = h("dd", { id: "detail-ttl" });
    const fields: Array<[string, Node | string]> = [
      ["Feed", m.feedId],
      ["Seq", String(m.seq)],
      ["Priority", m.priority],
      ["Time", `${new Date(m.timestamp).toISOString()} (${formatTime(m.timestamp)})`],
      ["Id", m.id],
      ["Checksum", m.checksum],
    ];
    if (threat) {
      fields.splice(0, 0, ["Level", row.level], ["Source", row.source]);
      fields.push(["Confidence", `${Math.round((row.confidence ?? 0) * 100)}%`]);
    }
    if (row.published !== undefined) {
      fields.splice(threat ? 2 : 0, 0, [
        "Published",
        new Date(row.published).toISOString().replace(".000Z", "Z"),
      ]);
    }
    if (row.link !== undefined) {
      const a = h(
        "a",
        { href: row.link, target: "_blank", rel: "noopener noreferrer", id: "detail-link" },
        row.link,
      );
      fields.splice(threat ? 2 : 0, 0, ["Link", a]);
    }
    const dl = h("dl");
    for (const [k, v] of fields) dl.append(h("dt", null, k), h("dd", null, v));
    if (threat) dl.append(h("dt", null, "TTL"), ttl);
    const indicators = Array.isArray(p.indicators) ? (p.indicators as unknown[]).map(String) : [];
    const parts: Node[] = [h("h2", { class: `lvl-${row.level}` }, row.title)];
    if (threat && typeof p.description === "string") parts.push(h("p", { class: "desc" }, p.description));
    parts.push(dl);
    if (indicators.length > 0) {
      parts.push(
        h(
          "div",
          null,
          h("h3", null, `Indicators (${indicators.length})`),
          h(
            "ul",
            { class: "indicators" },
            ...indicators.map((s) => {
              const { kind, value } = splitIndicator(s);
              return h(
                "li",
                null,
                kind ? h("span", { class: "kind" }, kind) : null,
                h(
                  "button",
                  {
                    type: "button",
                    class: "pivot",
                    "data-indicator": s,
                    title: "show only messages with this indicator",
                  },
                  value,
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "copy",
                    "data-indicator": s,
                    title: "copy",
                    "aria-label": `copy ${s}`,
                  },
                  "copy",
                ),
              );
            }),
          ),
        ),
      );
    }
    parts.push(
      h(
        "details",
        null,
        h("summary", null, "Raw payload"),
        h("pre", null, JSON.stringify(m.payload, null, 2)),
      ),
    );
    this.#el.replaceChildren(...parts);
    if (threat) {
      const tick = () => {
        ttl.textContent = formatDuration(ttlRemainingMs(m as never, Date.now()));
      };
      tick();
      this.#timer = setInterval(tick, 1000);
    }
  }
}
