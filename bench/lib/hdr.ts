import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

/** Microseconds, 1 µs … 1 h, 3 significant digits. */
export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function decodeHistogram(b64: string): Histogram {
  return hdr.decodeFromCompressedBase64(b64);
}

/** Percentiles in milliseconds, as every result table shows them. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const ms = (us: number) => Math.round(us) / 1000;

export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/** The latency curve for the percentile plot: value (ms) at 0 … 99.999 %. */
export function percentileCurve(h: Histogram): Array<[number, number]> {
  if (h.totalCount === 0) return [];
  const ps = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];
  return ps.map((p) => [p, ms(h.getValueAtPercentile(p))]);
}
