import type { StoredMessage, TailListener } from "../journal.ts";

/** The live-tail listeners; one that throws is counted and skipped, never allowed to break a commit. */
export class TailListeners {
  private readonly listeners = new Set<TailListener>();
  errors = 0;

  get size(): number {
    return this.listeners.size;
  }

  add(listener: TailListener): () => void {
    // A wrapper makes every subscription distinct, even when one function subscribes twice.
    const wrapped: TailListener = (batch) => listener(batch);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** Hands one commit group to every listener subscribed before the dispatch started. */
  dispatch(group: readonly StoredMessage[]): void {
    if (group.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(group);
      } catch {
        this.errors++;
      }
    }
  }
}
