import { appendFile, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { uuidv7 } from "../../protocol/uuid.ts";
import { ensurePrivateDir, FILE_MODE, type TextSealer, textSealer } from "../../security/at-rest.ts";
import type { PayloadCipher } from "../../security/encryption.ts";

/** What was refused: a whole document of a feed kind, one webhook body, or one parsed item. */
export const DLQ_FORMATS = ["rss", "json", "stix", "taxii", "misp", "kev", "webhook", "item"] as const;
export type DlqFormat = (typeof DLQ_FORMATS)[number];

const EntrySchema = v.object({
  id: v.string(),
  feedId: v.string(),
  format: v.picklist(DLQ_FORMATS),
  reason: v.string(),
  code: v.string(),
  path: v.optional(v.string()),
  contentType: v.optional(v.string()),
  /** Bytes of the original; the stored raw holds at most `maxRawBytes` of them. */
  rawBytes: v.number(),
  truncated: v.boolean(),
  /** SHA-256 (hex) of the whole original: the same bytes failing again count up one entry. */
  digest: v.string(),
  count: v.number(),
  firstAt: v.number(),
  lastAt: v.number(),
});
export type DlqEntry = v.InferOutput<typeof EntrySchema>;

const LineSchema = v.union([
  v.object({ op: v.literal("put"), entry: EntrySchema }),
  v.object({ op: v.literal("del"), id: v.string() }),
]);

export interface DlqAdd {
  feedId: string;
  format: DlqFormat;
  reason: string;
  code: string;
  path?: string;
  contentType?: string;
  raw: Uint8Array;
}

export interface DlqOptions {
  /** Entries kept at most; the oldest of the feed holding most goes first (default 500). */
  maxEntries?: number;
  /** Entries kept per feed at most, so one feed's failures cannot evict another's (default 100). */
  maxEntriesPerFeed?: number;
  /** Bytes of raw input kept per entry (default 1 MiB); a truncated entry cannot be replayed. */
  maxRawBytes?: number;
  now?: () => number;
  /** With ENCRYPTION_KEYS: raw files and every index line are sealed (AES-256-GCM) at rest. */
  cipher?: PayloadCipher;
}

const ID_RE = /^[0-9a-f-]{36}$/;

/**
 * The dead-letter queue: inputs that failed parsing or validation, with the reason, kept for an
 * operator to read and replay. Metadata lives in memory and in an append-only JSON-lines index; each
 * raw input in its own file, so listing never loads them and memory stays flat however large they are.
 * Bounded by `maxEntries`; the index is rewritten when it holds twice the live entries.
 */
export class DlqStore {
  readonly #dir: string;
  readonly #index: string;
  readonly #max: number;
  readonly #maxPerFeed: number;
  /** Live entries per feed, to enforce the quota without scanning. */
  readonly #perFeed = new Map<string, number>();
  readonly #maxRaw: number;
  readonly #now: () => number;
  readonly #cipher: PayloadCipher | undefined;
  /** Index lines: plain JSON objects without a cipher (or from before one was set), sealed with one. */
  readonly #indexLines: TextSealer;
  readonly #entries = new Map<string, DlqEntry>();
  #lines = 0;
  #writing: Promise<void> = Promise.resolve();

  private constructor(dir: string, o: DlqOptions) {
    this.#dir = dir;
    this.#index = join(dir, "index.jsonl");
    this.#max = o.maxEntries ?? 500;
    this.#maxPerFeed = Math.min(o.maxEntriesPerFeed ?? 100, this.#max);
    this.#maxRaw = o.maxRawBytes ?? 1024 * 1024;
    this.#now = o.now ?? Date.now;
    this.#cipher = o.cipher;
    this.#indexLines = textSealer(o.cipher, "dlq:index", (line) => line.startsWith("{"));
  }

  static async open(dir: string, options: DlqOptions = {}): Promise<DlqStore> {
    const store = new DlqStore(dir, options);
    // Dead letters hold the raw input and parser messages quoting it: owner-only, like the journal.
    await ensurePrivateDir(dir);
    let text = "";
    try {
      text = await readFile(store.#index, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const line of text.split("\n")) {
      if (line === "") continue;
      store.#lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await store.#indexLines.open(line));
      } catch {
        continue; // a torn last line from a crash mid-append
      }
      const r = v.safeParse(LineSchema, parsed);
      if (!r.success) continue;
      if (r.output.op === "put") store.#entries.set(r.output.entry.id, r.output.entry);
      else store.#entries.delete(r.output.id);
    }
    for (const e of store.#entries.values()) store.#count(e.feedId, 1);
    return store;
  }

  /** Live entries per feed (feeds with none are absent). */
  depthByFeed(): ReadonlyMap<string, number> {
    return this.#perFeed;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Records a failure; the same bytes of the same feed failing again update one entry (`count`). */
  async add(a: DlqAdd): Promise<DlqEntry> {
    const digest = await sha256Hex(a.raw);
    const now = this.#now();
    for (const e of this.#entries.values()) {
      if (e.feedId === a.feedId && e.format === a.format && e.digest === digest) {
        const updated: DlqEntry = { ...e, reason: a.reason, code: a.code, count: e.count + 1, lastAt: now };
        if (a.path === undefined) delete updated.path;
        else updated.path = a.path;
        // Updated in place: the order (and so paging) stays by first failure.
        this.#entries.set(e.id, updated);
        await this.#append({ op: "put", entry: updated });
        return updated;
      }
    }
    const truncated = a.raw.byteLength > this.#maxRaw;
    const entry: DlqEntry = {
      id: uuidv7(now),
      feedId: a.feedId,
      format: a.format,
      reason: a.reason,
      code: a.code,
      rawBytes: a.raw.byteLength,
      truncated,
      digest,
      count: 1,
      firstAt: now,
      lastAt: now,
    };
    if (a.path !== undefined) entry.path = a.path;
    if (a.contentType !== undefined) entry.contentType = a.contentType;
    const kept = truncated ? a.raw.subarray(0, this.#maxRaw) : a.raw;
    const sealed =
      this.#cipher === undefined ? kept : await this.#cipher.encryptPayload(kept, this.#aad(entry.id));
    await writeFile(this.#rawPath(entry.id), sealed, { mode: FILE_MODE });
    this.#entries.set(entry.id, entry);
    this.#count(entry.feedId, 1);
    await this.#append({ op: "put", entry });
    // A feed over its quota loses its own oldest; over the global cap, the feed holding most does.
    while ((this.#perFeed.get(entry.feedId) ?? 0) > this.#maxPerFeed) {
      const oldest = this.#oldestOf(entry.feedId);
      if (oldest === undefined) break;
      await this.remove(oldest);
    }
    while (this.#entries.size > this.#max) {
      let largest = entry.feedId;
      for (const [feed, n] of this.#perFeed) if (n > (this.#perFeed.get(largest) ?? 0)) largest = feed;
      const oldest = this.#oldestOf(largest);
      if (oldest === undefined) break;
      await this.remove(oldest);
    }
    return entry;
  }

  get(id: string): DlqEntry | undefined {
    return this.#entries.get(id);
  }

  /** The stored raw bytes of an entry (at most `maxRawBytes`). */
  async raw(id: string): Promise<Uint8Array> {
    if (!ID_RE.test(id) || !this.#entries.has(id)) throw new Error(`no DLQ entry ${id}`);
    const stored = new Uint8Array(await readFile(this.#rawPath(id)));
    return this.#cipher === undefined ? stored : await this.#cipher.decryptPayload(stored, this.#aad(id));
  }

  /**
   * Entries oldest first, after the entry `after` (exclusive), `limit` at most, only those `visible`
   * lets through; `next` is the id to pass as `after` for the following page.
   */
  list(opts: { after?: string; limit: number; visible?: (e: DlqEntry) => boolean }): {
    entries: DlqEntry[];
    next?: string;
  } {
    const out: DlqEntry[] = [];
    const after = opts.after;
    // Ids are UUIDv7 (time-ordered): a cursor whose entry was removed meanwhile still finds its place.
    const known = after !== undefined && this.#entries.has(after);
    let started = !known;
    let more = false;
    for (const e of this.#entries.values()) {
      if (!started) {
        started = e.id === after;
        continue;
      }
      if (!known && after !== undefined && e.id <= after) continue;
      if (opts.visible !== undefined && !opts.visible(e)) continue;
      if (out.length === opts.limit) {
        more = true;
        break;
      }
      out.push(e);
    }
    const last = out.at(-1);
    return more && last !== undefined ? { entries: out, next: last.id } : { entries: out };
  }

  async remove(id: string): Promise<boolean> {
    const e = this.#entries.get(id);
    if (e === undefined || !this.#entries.delete(id)) return false;
    this.#count(e.feedId, -1);
    await this.#append({ op: "del", id });
    await rm(this.#rawPath(id), { force: true });
    return true;
  }

  flush(): Promise<void> {
    return this.#writing.catch(() => undefined);
  }

  #count(feedId: string, delta: number): void {
    const n = (this.#perFeed.get(feedId) ?? 0) + delta;
    if (n <= 0) this.#perFeed.delete(feedId);
    else this.#perFeed.set(feedId, n);
  }

  #oldestOf(feedId: string): string | undefined {
    for (const e of this.#entries.values()) if (e.feedId === feedId) return e.id;
    return undefined;
  }

  #rawPath(id: string): string {
    return join(this.#dir, `${id}.raw`);
  }

  /** The raw file is bound to its entry: a sealed file moved under another id does not open. */
  #aad(id: string): Uint8Array {
    return new TextEncoder().encode(`dlq:${id}`);
  }

  #append(line: v.InferOutput<typeof LineSchema>): Promise<void> {
    this.#lines++;
    const compact = this.#lines > 2 * this.#entries.size + 64;
    const json = JSON.stringify(line);
    const next = this.#writing
      .catch(() => undefined)
      .then(async () =>
        compact
          ? this.#compact()
          : appendFile(this.#index, `${await this.#indexLines.seal(json)}\n`, { mode: FILE_MODE }),
      );
    this.#writing = next;
    return next;
  }

  async #compact(): Promise<void> {
    const lines = await Promise.all(
      [...this.#entries.values()].map((entry) => this.#indexLines.seal(JSON.stringify({ op: "put", entry }))),
    );
    const tmp = `${this.#index}.tmp`;
    await writeFile(tmp, lines.length === 0 ? "" : `${lines.join("\n")}\n`, { mode: FILE_MODE });
    await rename(tmp, this.#index);
    this.#lines = lines.length;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}
