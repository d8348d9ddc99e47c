import { frameScheduler, h } from "./dom.ts";
import { formatTime } from "./format.ts";
import type { Row } from "./store.ts";

/** Must match `.row` height in assets/app-css.ts: rows are positioned by index, not laid out by the browser. */
export const ROW_HEIGHT = 22;
const OVERSCAN = 6;

/**
 * The live threat list, newest first, virtualised. The model holds at most `maxRows` rows; the DOM holds
 * only the rows in view (a fixed pool of elements, re-filled in place), placed by index × ROW_HEIGHT
 * over a `::before` as tall as all rows, which gives the scrollbar its length. Arrivals are queued and applied once per animation
 * frame, so at thousands of messages a second each frame costs the same: a few dozen text updates.
 */
export class ThreatList {
  readonly #el: HTMLElement;
  readonly #maxRows: number;
  readonly #pool: HTMLElement[] = [];
  #rows: Row[] = [];
  #queue: Row[] = [];
  #selected: string | undefined;
  readonly #schedule: () => void;

  constructor(el: HTMLElement, onSelect: (key: string) => void, maxRows = 500) {
    this.#el = el;
    this.#maxRows = maxRows;
    el.replaceChildren();
    this.#schedule = frameScheduler(() => this.#render());
    el.addEventListener("scroll", this.#schedule, { passive: true });
    globalThis.addEventListener("resize", this.#schedule);
    const pick = (target: EventTarget | null) => {
      const key = (target as HTMLElement | null)?.closest?.("[data-key]")?.getAttribute("data-key");
      if (key) onSelect(key);
    };
    el.addEventListener("click", (e) => pick(e.target));
    el.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        pick(e.target);
      }
    });
  }

  /** Rows held (shown or scrolled out of view). */
  get length(): number {
    return this.#rows.length;
  }

  /** Queues a row that passed the filters; it appears at the next frame. */
  push(row: Row): void {
    this.#queue.push(row);
    if (this.#queue.length > this.#maxRows * 2) this.#queue = this.#queue.slice(-this.#maxRows);
    this.#schedule();
  }

  /** Replaces the whole list (filters changed), rows newest first. */
  reset(rows: readonly Row[]): void {
    this.#queue = [];
    this.#rows = rows.slice(0, this.#maxRows);
    this.#el.scrollTop = 0;
    this.#render();
  }

  select(key: string | undefined): void {
    this.#selected = key;
    for (const el of this.#pool) el.classList.toggle("selected", key !== undefined && el.dataset.key === key);
  }

  #render(): void {
    if (this.#queue.length > 0) {
      const fresh = this.#queue.reverse();
      this.#queue = [];
      this.#rows = fresh.concat(this.#rows);
      if (this.#rows.length > this.#maxRows) this.#rows.length = this.#maxRows;
      // An operator scrolled down to read keeps their place while new rows arrive on top.
      if (this.#el.scrollTop > 0)
        this.#el.scrollTop += Math.min(fresh.length, this.#rows.length - 1) * ROW_HEIGHT;
    }
    this.#el.style.setProperty("--rows-height", `${this.#rows.length * ROW_HEIGHT}px`);
    this.#el.dataset.count = String(this.#rows.length);
    const first = Math.max(0, Math.floor(this.#el.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil((this.#el.clientHeight || 800) / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(this.#rows.length, first + visible);
    while (this.#pool.length < last - first) {
      const el = this.#blank();
      this.#pool.push(el);
      this.#el.append(el);
    }
    for (let slot = 0; slot < this.#pool.length; slot++) {
      const el = this.#pool[slot]!;
      const row = this.#rows[first + slot];
      if (row === undefined) {
        el.hidden = true;
        el.removeAttribute("data-key");
        continue;
      }
      el.hidden = false;
      el.style.transform = `translateY(${(first + slot) * ROW_HEIGHT}px)`;
      if (el.dataset.key !== row.key) this.#fill(el, row);
    }
  }

  #blank(): HTMLElement {
    return h(
      "li",
      { class: "row", tabindex: 0 },
      h("span", { class: "t" }),
      h("span", { class: "lvl" }),
      h("span", { class: "feed" }),
      h("span", { class: "title" }),
      h("span", { class: "src" }),
      h("span", { class: "conf" }),
    );
  }

  #fill(el: HTMLElement, r: Row): void {
    const m = r.message;
    el.dataset.key = r.key;
    el.dataset.level = r.level;
    el.dataset.feed = m.feedId;
    el.className = r.key === this.#selected ? `row lvl-${r.level} selected` : `row lvl-${r.level}`;
    const cells = el.children;
    cells[0]!.textContent = formatTime(m.timestamp);
    cells[1]!.textContent = r.level;
    cells[2]!.textContent = m.feedId;
    cells[3]!.textContent = r.title;
    cells[4]!.textContent = r.source;
    cells[5]!.textContent = r.confidence === undefined ? "" : `${Math.round(r.confidence * 100)}%`;
  }
}
