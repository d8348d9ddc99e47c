/**
 * A stable key for items whose source gives neither an id nor a link: a 53-bit hash of title and
 * description (cyrb53: two multiplicative lanes, fast and well spread). Synchronous on purpose, so
 * parsers stay pure functions; it is a de-duplication key, not a security boundary.
 */
export function contentKey(title: string, description: string): string {
  const s = `${title}\u0000${description}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const n = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return `hash:${n.toString(16).padStart(14, "0")}`;
}
