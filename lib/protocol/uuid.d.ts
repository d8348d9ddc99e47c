export declare function uuidv7Bytes(now?: number, out?: Uint8Array, offset?: number): Uint8Array;
export declare function uuidToString(b: Uint8Array, offset?: number): string;
export declare function isUuid(s: string): boolean;
/** Parses a canonical UUID string into 16 bytes; the caller validates with {@link isUuid} first. */
export declare function uuidFromString(s: string, out?: Uint8Array, offset?: number): Uint8Array;
export declare function uuidv7(now?: number): string;
