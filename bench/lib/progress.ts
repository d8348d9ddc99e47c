/** One line of progress, rewritten in place when stdout is a terminal; silent otherwise (CI logs). */
export class Progress {
  readonly #tty = process.stdout.isTTY === true;
  #shown = false;

  update(text: string): void {
    if (!this.#tty) return;
    const cols = process.stdout.columns ?? 100;
    process.stdout.write(`\r\x1b[2K${text.slice(0, cols - 1)}`);
    this.#shown = true;
  }

  /** Clears the line so that a normal line can follow. */
  clear(): void {
    if (this.#shown) process.stdout.write("\r\x1b[2K");
    this.#shown = false;
  }

  /** A countdown over `seconds` with a label; call the returned function to stop it. */
  countdown(label: string, seconds: number): () => void {
    if (!this.#tty) return () => {};
    const t0 = performance.now();
    const timer = setInterval(() => {
      const left = Math.max(0, seconds - (performance.now() - t0) / 1000);
      this.update(`${label} … ${left.toFixed(0)} s`);
    }, 250);
    return () => {
      clearInterval(timer);
      this.clear();
    };
  }
}

export const progress = new Progress();
