/** A minimal typed event emitter; a throwing listener is reported, never breaks delivery. */
export class Emitter {
    #listeners = new Map();
    #onListenerError;
    constructor(onListenerError) {
        this.#onListenerError = onListenerError;
    }
    on(event, fn) {
        let set = this.#listeners.get(event);
        if (set === undefined) {
            set = new Set();
            this.#listeners.set(event, set);
        }
        set.add(fn);
        return () => set.delete(fn);
    }
    has(event) {
        return (this.#listeners.get(event)?.size ?? 0) > 0;
    }
    emit(event, payload) {
        const set = this.#listeners.get(event);
        if (set === undefined)
            return;
        for (const fn of set) {
            try {
                fn(payload);
            }
            catch (err) {
                this.#onListenerError(err);
            }
        }
    }
}
