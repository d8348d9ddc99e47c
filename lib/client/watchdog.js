export const realTimers = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) => globalThis.clearTimeout(h),
};
/**
 * Fires `onTimeout` once nothing has been heard for `timeoutMs`. `kick()` runs for every frame received,
 * up to thousands a second, so it only records the time; the single timer re-arms itself for the
 * remaining time when it wakes early instead of being cleared and recreated per frame.
 */
export class Watchdog {
    #timeoutMs;
    #onTimeout;
    #timers;
    #lastSeen = 0;
    #handle;
    constructor(timeoutMs, onTimeout, timers = realTimers) {
        this.#timeoutMs = timeoutMs;
        this.#onTimeout = onTimeout;
        this.#timers = timers;
    }
    start() {
        this.stop();
        if (this.#timeoutMs <= 0)
            return;
        this.#lastSeen = this.#timers.now();
        this.#arm(this.#timeoutMs);
    }
    kick() {
        this.#lastSeen = this.#timers.now();
    }
    stop() {
        if (this.#handle !== undefined)
            this.#timers.clearTimeout(this.#handle);
        this.#handle = undefined;
    }
    #arm(ms) {
        this.#handle = this.#timers.setTimeout(() => this.#wake(), ms);
    }
    #wake() {
        const silent = this.#timers.now() - this.#lastSeen;
        if (silent >= this.#timeoutMs) {
            this.#handle = undefined;
            this.#onTimeout();
        }
        else {
            this.#arm(this.#timeoutMs - silent);
        }
    }
}
