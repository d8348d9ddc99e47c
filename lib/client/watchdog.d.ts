/** The timer functions the watchdog needs; injected by tests, `globalThis` otherwise. */
export interface Timers {
    now(): number;
    setTimeout(fn: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}
export declare const realTimers: Timers;
/**
 * Fires `onTimeout` once nothing has been heard for `timeoutMs`. `kick()` runs for every frame received,
 * up to thousands a second, so it only records the time; the single timer re-arms itself for the
 * remaining time when it wakes early instead of being cleared and recreated per frame.
 */
export declare class Watchdog {
    #private;
    constructor(timeoutMs: number, onTimeout: () => void, timers?: Timers);
    start(): void;
    kick(): void;
    stop(): void;
}
