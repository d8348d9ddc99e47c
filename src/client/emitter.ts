/** A minimal typed event emitter; a throwing listener is reported, never breaks delivery. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(e: never) => void>>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof Events>(event: K, fn: (e: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(fn as (e: never) => void);
    return () => set.delete(fn as (e: never) => void);
  }

  has(event: keyof Events): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const fn of set) {
      try {
        (fn as (e: Events[K]) => void)(payload);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }
}
