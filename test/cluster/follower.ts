/**
 * A subscriber that behaves like the SDK on failover, kept minimal so a test can run a thousand of them:
 * it follows one feed, remembers the last seq it got, and when its node goes away it reconnects to the
 * next URL with `since`. It records every seq it receives, so gaps and duplicates are visible.
 */
export class Follower {
  readonly seqs: number[] = [];
  resumedAt = 0;
  #ws: WebSocket | undefined;
  #urls: string[];
  #feed: string;
  #closed = false;

  constructor(urls: string[], feed: string) {
    this.#urls = urls;
    this.#feed = feed;
  }

  /** Resolves once subscribed (the subscribe reply arrived). */
  connect(): Promise<void> {
    const last = this.seqs.at(-1);
    const url = `${this.#urls[0]}/v1/stream?feeds=${this.#feed}${last === undefined ? "" : `&since=${last}`}`;
    const ws = new WebSocket(url);
    this.#ws = ws;
    return new Promise((resolve, reject) => {
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data as string) as { seq?: number; type: string; op?: string };
        if (m.seq !== undefined) this.seqs.push(m.seq);
        else if (m.op === "subscribe") resolve();
      };
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
      ws.onclose = () => {
        if (this.#closed) return;
        // The node is gone: move on to the next one and resume from the last seq.
        this.#urls = this.#urls.slice(1);
        if (this.#urls.length === 0) return;
        this.connect().then(
          () => {
            this.resumedAt = performance.now();
          },
          () => {},
        );
      };
    });
  }

  close(): void {
    this.#closed = true;
    this.#ws?.close();
  }
}

/** Seqs received more than once, and acked seqs never received. */
export function audit(
  seqs: readonly number[],
  acked: readonly number[],
): { dups: number; missing: number; ordered: boolean } {
  const seen = new Set<number>();
  let dups = 0;
  let ordered = true;
  for (let i = 0; i < seqs.length; i++) {
    if (seen.has(seqs[i]!)) dups++;
    seen.add(seqs[i]!);
    if (i > 0 && seqs[i]! <= seqs[i - 1]!) ordered = false;
  }
  return { dups, missing: acked.filter((s) => !seen.has(s)).length, ordered };
}
