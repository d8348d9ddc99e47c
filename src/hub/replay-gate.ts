/**
 * Node-wide bound on replays running at once. A `since=0` subscribe is one cheap op for the client and
 * a long journal read for the node: 200 connections × 50 of them pulled 4.8 M frames in 3 s (issue #18).
 * Past the bound a replay is refused with UNAVAILABLE + retryAfter, and the client subscribes again.
 */
export class ReplayGate {
  readonly #max: number;
  #active = 0;

  constructor(maxConcurrent: number) {
    this.#max = maxConcurrent;
  }

  get active(): number {
    return this.#active;
  }

  /** A release function when a slot is free (call it once, when the replay ends), else undefined. */
  tryEnter(): (() => void) | undefined {
    if (this.#active >= this.#max) return undefined;
    this.#active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active--;
    };
  }
}
