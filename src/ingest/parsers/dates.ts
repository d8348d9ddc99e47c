function fromEpochNumber(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  return Math.round(n < 1e11 ? n * 1000 : n);
}

/** Epoch ms from an ISO/RFC date, or from epoch seconds (below 1e11) or milliseconds. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === "number") return fromEpochNumber(value);
  if (typeof value !== "string") return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return fromEpochNumber(Number(s));
  const n = Date.parse(s);
  return Number.isFinite(n) ? n : undefined;
}
