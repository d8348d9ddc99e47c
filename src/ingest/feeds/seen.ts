import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * The item keys a feed has already emitted, so a restart (or a source that repeats its last 50 items
 * every poll) emits nothing twice. One JSON-lines file per feed, one key per line, appended after the
 * journal has acknowledged the items. Bounded: past `maxKeys` the oldest keys are forgotten (a source
 * that re-publishes an item that old re-emits it; the journal's own id de-duplication still catches a
 * recent one), and the file is rewritten when it holds twice what the set does.
 */
export class SeenStore {
  readonly #path: string;
  readonly #maxKeys: number;
  readonly #keys = new Set<string>();
  #lines = 0;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, maxKeys: number) {
    this.#path = path;
    this.#maxKeys = maxKeys;
  }

  /** Loads the file (missing = empty). A torn last line, from a crash mid-append, is skipped. */
  static async open(path: string, maxKeys: number): Promise<SeenStore> {
    const store = new SeenStore(path, maxKeys);
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      await mkdir(dirname(path), { recursive: true });
    }
    for (const line of text.split("\n")) {
      if (line === "") continue;
      store.#lines++;
      let key: unknown;
      try {
        key = JSON.parse(line);
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
    const text = `${fresh.map((k) => JSON.stringify(k)).join("\n")}\n`;
    this.#lines += fresh.length;
    const compact = this.#lines > 2 * this.#maxKeys;
    // A failed write must not wedge the queue: the next append starts afresh.
    const next = this.#writing
      .catch(() => undefined)
      .then(() => (compact ? this.#compact() : appendFile(this.#path, text)));
    this.#writing = next;
    return next;
  }

  /** Waits for pending writes (a failed one is the caller's to report when it added). */
  flush(): Promise<void> {
    return this.#writing.catch(() => undefined);
  }

  #remember(key: string): void {
    this.#keys.add(key);
    if (this.#keys.size > this.#maxKeys) {
      // A Set iterates in insertion order: the first key is the oldest.
      const oldest = this.#keys.values().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }

  /** Rewrites the file with the live keys only; rename makes the swap atomic. */
  async #compact(): Promise<void> {
    const keys = [...this.#keys];
    const tmp = `${this.#path}.tmp`;
    await writeFile(tmp, keys.length === 0 ? "" : `${keys.map((k) => JSON.stringify(k)).join("\n")}\n`);
    await rename(tmp, this.#path);
    this.#lines = keys.length;
  }
}
