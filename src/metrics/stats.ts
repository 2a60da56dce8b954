/**
 * One period's statistics of one series: count, sum, min, max and a
 * log-linear histogram for percentiles. CloudWatch computes percentiles from
 * raw values; Kumo keeps a histogram with 16 buckets per power of two (each
 * value is reported within ~4.4% of its true value, clamped to min..max) so a
 * point is constant-size whatever the traffic.
 */
export const histBucketsPerOctave = 16;
/** Values from 2^-20 to 2^44: milliseconds from a nanosecond to centuries; smaller to bucket 0, larger to the last. */
const minExp = -20;
const maxExp = 44;
export const histBuckets = (maxExp - minExp) * histBucketsPerOctave + 1;

export interface Stats {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Counts per histogram bucket (values ≤ 0 go to bucket 0). */
  hist: Float64Array;
}

export function newStats(): Stats {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity, hist: new Float64Array(histBuckets) };
}

export function histIndex(v: number): number {
  if (!(v > 0)) return 0;
  const i = Math.floor((Math.log2(v) - minExp) * histBucketsPerOctave) + 1;
  return i < 1 ? 1 : i >= histBuckets ? histBuckets - 1 : i;
}

/** The geometric middle of bucket i. */
function histValue(i: number): number {
  return i === 0 ? 0 : 2 ** (minExp + (i - 0.5) / histBucketsPerOctave);
}

/** Adds `n` observations of `v` (constant work, no allocation). */
export function add(s: Stats, v: number, n = 1): void {
  s.count += n;
  s.sum += v * n;
  if (v < s.min) s.min = v;
  if (v > s.max) s.max = v;
  s.hist[histIndex(v)] += n;
}

export function merge(into: Stats, from: Stats): void {
  into.count += from.count;
  into.sum += from.sum;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  for (let i = 0; i < histBuckets; i++) into.hist[i] += from.hist[i]!;
}

export function reset(s: Stats): void {
  s.count = 0;
  s.sum = 0;
  s.min = Infinity;
  s.max = -Infinity;
  s.hist.fill(0);
}

/** The p-th percentile (0 < p < 100), undefined without observations or with negative ones (CloudWatch gives none then). */
export function percentile(s: Stats, p: number): number | undefined {
  if (s.count <= 0 || s.min < 0) return undefined;
  const rank = (p / 100) * s.count;
  let seen = 0;
  for (let i = 0; i < histBuckets; i++) {
    seen += s.hist[i]!;
    if (seen >= rank && s.hist[i]! > 0) return Math.min(s.max, Math.max(s.min, histValue(i)));
  }
  return s.max;
}

/** The histogram as a sparse JSON object `{index: count}` (what the store keeps). */
export function histToJson(h: Float64Array): string {
  const o: Record<number, number> = {};
  for (let i = 0; i < h.length; i++) if (h[i]) o[i] = h[i]!;
  return JSON.stringify(o);
}

export function histFromJson(j: string): Float64Array {
  const h = new Float64Array(histBuckets);
  const o = JSON.parse(j) as Record<string, number>;
  for (const [k, v] of Object.entries(o)) {
    const i = Number(k);
    if (Number.isInteger(i) && i >= 0 && i < histBuckets) h[i] += v;
  }
  return h;
}
