/** Fewest distinct byte values a secret may have: a 32-char run of one character passes any length rule. */
export const MIN_DISTINCT_BYTES = 8;

/**
 * Why a secret is too weak to rely on, or undefined when it is fit: shorter than `minBytes`, all zero
 * bytes (an unfilled key), or fewer than MIN_DISTINCT_BYTES distinct bytes (one character repeated,
 * `abababab…`). It does not prove a secret random — nothing can — it refuses the placeholders people
 * actually deploy.
 */
export function secretWeakness(secret: Uint8Array, minBytes: number): string | undefined {
  if (secret.byteLength < minBytes) return `is shorter than ${minBytes} bytes`;
  if (secret.every((b) => b === 0)) return "is all zero bytes";
  const distinct = new Set(secret).size;
  if (distinct === 1) return "is one character repeated";
  if (distinct < MIN_DISTINCT_BYTES)
    return `has only ${distinct} distinct bytes (at least ${MIN_DISTINCT_BYTES})`;
  return undefined;
}
