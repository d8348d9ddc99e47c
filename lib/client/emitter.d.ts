/** A minimal typed event emitter; a throwing listener is reported, never breaks delivery. */
export declare class Emitter<Events extends object> {
    #private;
    constructor(onListenerError: (err: unknown) => void);
    on<K extends keyof Events>(event: K, fn: (e: Events[K]) => void): () => void;
    has(event: keyof Events): boolean;
    emit<K extends keyof Events>(event: K, payload: Events[K]): void;
}
