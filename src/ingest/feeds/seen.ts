import { appendFile, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { LruMap } from "../../resilience/lru.ts";
import { ensurePrivateDir, FILE_MODE, type TextSealer, textSealer } from "../../security/at-rest.ts";
import type { PayloadCipher } from "../../security/encryption.ts";

/**
 * The item keys a feed has already emitted, so a restart (or a source that repeats its last 50 items
 * every poll) emits nothing twice. One JSON-lines file per feed, one key per line, appended after the
 * journal has acknowledged the items. Bounded: past `maxKeys` the oldest keys are forgotten (a source
 * that re-publishes an item that old re-emits it; the journal's own id de-duplication still catches a
 * recent one), and the file is rewritten when it holds twice what the set does. Keys are often the
 * items' links or guids, so with ENCRYPTION_KEYS each line is sealed (and the file is owner-only).
 */
export class SeenStore {
  readonly #path: string;
  readonly #maxKeys: number;
  // Insertion order, oldest forgotten first; an LruMap, because evicting a Set's first key gets slower
  // with every eviction on JavaScriptCore (see LruMap). Keys are never "used" again, so it stays FIFO.
  readonly #keys: LruMap<string, true>;
  readonly #sealer: TextSealer;
  #lines = 0;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, maxKeys: number, cipher: PayloadCipher | undefined) {
    this.#path = path;
    this.#maxKeys = maxKeys;
    this.#keys = new LruMap(Math.max(1, maxKeys));
    // A plaintext line is a JSON string; a sealed one is base64, which never starts with a quote.
    this.#sealer = textSealer(cipher, `seen:${basename(path)}`, (line) => line.startsWith('"'));
  }

  /**
   * Loads the file (missing = empty). A torn last line, from a crash mid-append, is skipped; so is a
   * line that no longer opens (its key was removed): at worst that item is emitted once more, and the
   * journal's id de-duplication still catches a recent one.
   */
  static async open(
    path: string,
    maxKeys: number,
    opts: { cipher?: PayloadCipher } = {},
  ): Promise<SeenStore> {
    const store = new SeenStore(path, maxKeys, opts.cipher);
    await ensurePrivateDir(dirname(path));
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const line of text.split("\n")) {
      if (line === "") continue;
      store.#lines++;
      let key: unknown;
      try {
        key = JSON.parse(await store.#sealer.open(line));
      } catch {
        continue;
      }
      if (typeof key === "string") store.#remember(key);
    }
    return store;
  }

  get size(): number {
    return this.#keys.size;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Records keys as emitted; resolves once they are written (appends are serialised). */
  add(keys: readonly string[]): Promise<void> {
    const fresh = keys.filter((k) => !this.#keys.has(k));
    if (fresh.length === 0) return this.flush();
    for (const k of fresh) this.#remember(k);
    this.#lines += fresh.length;
    const compact = this.#lines > 2 * this.#maxKeys;
    // A failed write must not wedge the queue: the next append starts afresh.
    const next = this.#writing
      .catch(() => undefined)
      .then(async () =>
        compact ? this.#compact() : appendFile(this.#path, await this.#text(fresh), { mode: FILE_MODE }),
      );
    this.#writing = next;
    return next;
  }

  /** Waits for pending writes (a failed one is the caller's to report when it added). */
  flush(): Promise<void> {
    return this.#writing.catch(() => undefined);
  }

  #remember(key: string): void {
    if (!this.#keys.has(key)) this.#keys.set(key, true);
  }

  /** Rewrites the file with the live keys only; rename makes the swap atomic. */
  async #compact(): Promise<void> {
    const keys = [...this.#keys.entries()].map(([k]) => k);
    const tmp = `${this.#path}.tmp`;
    await writeFile(tmp, await this.#text(keys), { mode: FILE_MODE });
    await rename(tmp, this.#path);
    this.#lines = keys.length;
  }

  async #text(keys: readonly string[]): Promise<string> {
    if (keys.length === 0) return "";
    const lines = await Promise.all(keys.map((k) => this.#sealer.seal(JSON.stringify(k))));
    return `${lines.join("\n")}\n`;
  }
}
