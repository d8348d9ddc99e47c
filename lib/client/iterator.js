/**
 * Turns a push subscription into an async iterator. The queue is unbounded on purpose: dropping would
 * break the at-most-once-and-in-order promise silently; a consumer that cannot keep up should use a
 * handler and decide itself what to shed.
 */
export function messageIterator(subscribe, onEnd) {
    const queue = [];
    let wake;
    let done = false;
    const finish = () => {
        if (!done) {
            done = true;
            unsubscribe();
            offEnd();
        }
        const w = wake;
        wake = undefined;
        w?.({ value: undefined, done: true });
        return { value: undefined, done: true };
    };
    const unsubscribe = subscribe((m) => {
        if (wake !== undefined) {
            const w = wake;
            wake = undefined;
            w({ value: m, done: false });
        }
        else
            queue.push(m);
    });
    const offEnd = onEnd(() => finish());
    const it = {
        next() {
            const m = queue.shift();
            if (m !== undefined)
                return Promise.resolve({ value: m, done: false });
            if (done)
                return Promise.resolve({ value: undefined, done: true });
            return new Promise((resolve) => {
                wake = resolve;
            });
        },
        return() {
            return Promise.resolve(finish());
        },
        [Symbol.asyncIterator]() {
            return it;
        },
    };
    return it;
}
