/**
 * CRC32 (IEEE 802.3, the zlib polynomial) of a byte range.
 *
 * On Bun the native `Bun.hash.crc32` is used (≈ 10× the table version); everywhere else — browsers,
 * Node, Deno, the client SDK — a table-driven implementation gives identical results. The feature test
 * runs once at module load, so the hot path pays nothing for it.
 */
const TABLE = /* @__PURE__ */ (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        t[n] = c >>> 0;
    }
    return t;
})();
export function crc32Portable(data) {
    let c = 0xffffffff;
    for (let i = 0; i < data.length; i++)
        c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}
const nativeCrc = globalThis.Bun?.hash
    .crc32;
export const crc32 = nativeCrc
    ? (data) => nativeCrc(data) >>> 0
    : crc32Portable;
/** The checksum as it appears in the JSON form: 8 lower-case hex digits. */
export function checksumHex(value) {
    return (value >>> 0).toString(16).padStart(8, "0");
}
