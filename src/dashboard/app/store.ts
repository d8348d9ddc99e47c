import type { StreamMessage } from "../../client/mod.ts";
import { isThreatMessage } from "../../client/mod.ts";

export const LEVELS = ["critical", "high", "medium", "low", "info"] as const;
export type Level = (typeof LEVELS)[number];

/** One message as the page shows it; threat fields are read once, not at every render. */
export interface Row {
  readonly key: string;
  readonly message: StreamMessage;
  readonly level: Level;
  readonly title: string;
  readonly source: string;
  readonly confidence: number | undefined;
  readonly receivedAt: number;
  /** `kind:value` strings, as in the payload. */
  readonly indicators: readonly string[];
  /** The source's own page for the item (polled feeds), only when it is http(s). */
  readonly link: string | undefined;
  /** When the source published the item (epoch ms). */
  readonly published: number | undefined;
  /** Lower-cased title, description, source, feed and indicators: what the text search looks in. */
  readonly haystack: string;
}

export interface Filter {
  levels: ReadonlySet<Level>;
  /** Empty: every feed. */
  feed: string;
  /** Words that must all occur in the row's text (case-insensitive); empty or absent: no text filter. */
  text?: string;
  /** An indicator the row must carry exactly (a pivot); empty or absent: none. */
  indicator?: string;
}

const safeLink = (v: unknown): string | undefined =>
  typeof v === "string" && /^https?:\/\//i.test(v) ? v : undefined;

export function rowKey(m: StreamMessage): string {
  return `${m.feedId}:${m.seq}`;
}

/** Non-threat payloads still show: their level follows the message priority. */
export function toRow(m: StreamMessage, receivedAt: number): Row {
  if (isThreatMessage(m)) {
    const p = m.payload as typeof m.payload & { link?: unknown; published?: unknown };
    const indicators = p.indicators.map(String);
    const title = p.title || "(untitled)";
    return {
      key: rowKey(m),
      message: m,
      level: p.threatLevel,
      title,
      source: p.source,
      confidence: p.confidence,
      receivedAt,
      indicators,
      link: safeLink(p.link),
      published: typeof p.published === "number" ? p.published : undefined,
      haystack: [title, p.description, p.source, m.feedId, ...indicators].join("\n").toLowerCase(),
    };
  }
  const text = JSON.stringify(m.payload) ?? "null";
  return {
    key: rowKey(m),
    message: m,
    level: m.priority,
    title: `${m.type}: ${text.length > 120 ? `${text.slice(0, 117)}…` : text}`,
    source: "",
    confidence: undefined,
    receivedAt,
    indicators: [],
    link: undefined,
    published: undefined,
    haystack: `${m.feedId}\n${text}`.toLowerCase(),
  };
}

export function matches(row: Row, f: Filter): boolean {
  if (!f.levels.has(row.level) || (f.feed !== "" && row.message.feedId !== f.feed)) return false;
  if (f.indicator && !row.indicators.includes(f.indicator)) return false;
  if (f.text) {
    for (const word of f.text.toLowerCase().split(/\s+/))
      if (word && !row.haystack.includes(word)) return false;
  }
  return true;
}

export type LevelCounts = Record<Level, number>;
const zero = (): LevelCounts => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });

/**
 * The recent messages in journal order (seq: one order across feeds), bounded: the page keeps more than
 * it shows so that changing a filter can fill the list again without waiting for new traffic. A backfill
 * replays feeds one after the other, so rows may arrive out of order: each is put in its place. A row
 * already held (same feed and seq) is not added twice. Severity counts, per feed and overall, follow
 * what is held.
 */
export class ThreatStore {
  readonly #capacity: number;
  #rows: Row[] = [];
  readonly #byKey = new Map<string, Row>();
  readonly #counts = new Map<string, LevelCounts>();
  readonly #total: LevelCounts = zero();

  constructor(capacity = 2000) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#rows.length;
  }

  /** False when the row was already held. */
  add(row: Row): boolean {
    if (this.#byKey.has(row.key)) return false;
    const rows = this.#rows;
    const seq = row.message.seq;
    if (rows.length === 0 || rows[rows.length - 1]!.message.seq <= seq) rows.push(row);
    else {
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (rows[mid]!.message.seq <= seq) lo = mid + 1;
        else hi = mid;
      }
      rows.splice(lo, 0, row);
    }
    this.#byKey.set(row.key, row);
    this.#count(row, 1);
    // Trim in chunks: one splice per capacity/4 inserts instead of a shift per insert.
    if (rows.length > this.#capacity * 1.25) {
      for (const old of rows.splice(0, rows.length - this.#capacity)) {
        this.#byKey.delete(old.key);
        this.#count(old, -1);
      }
    }
    return true;
  }

  /** Severity counts of the rows held: of one feed, or overall without an argument. */
  counts(feedId?: string): LevelCounts {
    if (feedId === undefined) return { ...this.#total };
    return { ...(this.#counts.get(feedId) ?? zero()) };
  }

  /** The newest seq held, 0 when empty. */
  get newestSeq(): number {
    return this.#rows.at(-1)?.message.seq ?? 0;
  }

  #count(row: Row, d: number): void {
    let c = this.#counts.get(row.message.feedId);
    if (c === undefined) {
      c = zero();
      this.#counts.set(row.message.feedId, c);
    }
    c[row.level] += d;
    this.#total[row.level] += d;
  }

  get(key: string): Row | undefined {
    return this.#byKey.get(key);
  }

  /** Newest first, at most `limit`, those that pass `f`. */
  view(f: Filter, limit: number): Row[] {
    const out: Row[] = [];
    for (let i = this.#rows.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.#rows[i]!;
      if (matches(r, f)) out.push(r);
    }
    return out;
  }
}
