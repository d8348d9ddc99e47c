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
}

export interface Filter {
  levels: ReadonlySet<Level>;
  /** Empty: every feed. */
  feed: string;
}

export function rowKey(m: StreamMessage): string {
  return `${m.feedId}:${m.seq}`;
}

/** Non-threat payloads still show: their level follows the message priority. */
export function toRow(m: StreamMessage, receivedAt: number): Row {
  if (isThreatMessage(m)) {
    const p = m.payload;
    return {
      key: rowKey(m),
      message: m,
      level: p.threatLevel,
      title: p.title || "(untitled)",
      source: p.source,
      confidence: p.confidence,
      receivedAt,
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
  };
}

export function matches(row: Row, f: Filter): boolean {
  return f.levels.has(row.level) && (f.feed === "" || row.message.feedId === f.feed);
}

/**
 * The recent messages, oldest first, bounded: the page keeps more than it shows so that changing a
 * filter can fill the list again without waiting for new traffic.
 */
export class ThreatStore {
  readonly #capacity: number;
  #rows: Row[] = [];
  readonly #byKey = new Map<string, Row>();

  constructor(capacity = 2000) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#rows.length;
  }

  add(row: Row): void {
    this.#rows.push(row);
    this.#byKey.set(row.key, row);
    // Trim in chunks: one splice per capacity/4 inserts instead of a shift per insert.
    if (this.#rows.length > this.#capacity * 1.25) {
      for (const old of this.#rows.splice(0, this.#rows.length - this.#capacity)) this.#byKey.delete(old.key);
    }
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
