export declare function crc32Portable(data: Uint8Array): number;
export declare const crc32: (data: Uint8Array) => number;
/** The checksum as it appears in the JSON form: 8 lower-case hex digits. */
export declare function checksumHex(value: number): string;
