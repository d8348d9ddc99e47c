import { readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import * as v from "valibot";
import { ensurePrivateDir, FILE_MODE, type TextSealer, textSealer } from "../../security/at-rest.ts";
import type { PayloadCipher } from "../../security/encryption.ts";

/**
 * What a feed must remember across restarts besides the keys it emitted: the validators of the last
 * document (conditional GET), the TAXII cursor, the MISP event timestamps. Written only after the
 * journal holds what it describes, so a crash can repeat work but never skip it.
 */
const StateSchema = v.object({
  etag: v.optional(v.string()),
  lastModified: v.optional(v.string()),
  /** TAXII: the `X-TAXII-Date-Added-Last` of the last page ingested (`added_after` of the next poll). */
  cursor: v.optional(v.string()),
  /**
   * TAXII: the server's `next` token of a paging chain not yet finished (maxPages, a restart). The
   * cursor moves only once the chain ends: `added_after` is exclusive, so moving it to a page's last
   * `date_added` mid-chain skips the objects of the next page that share that date.
   */
  next: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  /** MISP: event uuid → the timestamp (epoch ms) last ingested. */
  events: v.optional(v.record(v.string(), v.number()), {}),
});
export type FeedState = v.InferOutput<typeof StateSchema>;

/** A state read from elsewhere (the shared KV copy), or undefined when it is not one. */
export function asFeedState(value: unknown): FeedState | undefined {
  const r = v.safeParse(StateSchema, value);
  return r.success ? r.output : undefined;
}

/** The state file; sealed with ENCRYPTION_KEYS (validators and cursors can quote the source), 0600. */
export class FeedStateFile {
  readonly #path: string;
  readonly #sealer: TextSealer;
  state: FeedState = { events: {} };
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string, opts: { cipher?: PayloadCipher } = {}) {
    this.#path = path;
    this.#sealer = textSealer(opts.cipher, `state:${basename(path)}`, (text) => text.startsWith("{"));
  }

  /**
   * Loads the file; a missing or unreadable one (or one that no longer opens) starts afresh: the seen
   * keys still prevent repeats.
   */
  async load(): Promise<FeedState> {
    try {
      const r = v.safeParse(
        StateSchema,
        JSON.parse(await this.#sealer.open(await readFile(this.#path, "utf8"))),
      );
      if (r.success) this.state = r.output;
    } catch {
      this.state = { events: {} };
    }
    return this.state;
  }

  /** Takes another holder's state as ours (a lease takeover); the object is replaced in place. */
  adopt(next: FeedState): void {
    for (const k of Object.keys(this.state) as (keyof FeedState)[]) delete this.state[k];
    Object.assign(this.state, next);
  }

  /** Writes the current state atomically (temp file + rename); saves are serialised. */
  save(): Promise<void> {
    const text = JSON.stringify(this.state);
    const next = this.#writing
      .catch(() => undefined)
      .then(async () => {
        await ensurePrivateDir(dirname(this.#path));
        const tmp = `${this.#path}.tmp`;
        await writeFile(tmp, await this.#sealer.seal(text), { mode: FILE_MODE });
        await rename(tmp, this.#path);
      });
    this.#writing = next;
    return next;
  }
}
