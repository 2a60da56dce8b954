/** Small statistics helpers; every latency is in milliseconds. */

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

export interface LatencySummary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(xs: readonly number[]): LatencySummary {
  const s = Array.from(Float64Array.from(xs).sort());
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    mean: mean(s),
  };
}

/** Percentile points (p, value) for a distribution chart: dense near the tail. */
export function percentileCurve(xs: readonly number[]): { p: number; v: number }[] {
  const s = Array.from(Float64Array.from(xs).sort());
  const ps: number[] = [];
  for (let p = 0; p <= 90; p += 2) ps.push(p);
  for (let p = 91; p <= 99; p += 1) ps.push(p);
  ps.push(99.5, 99.9, 100);
  return ps.map((p) => ({ p, v: p === 0 ? s[0]! : percentile(s, p) }));
}

export const round = (x: number, digits = 3): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/** Ratio a/b, NaN when either side is missing. */
export const ratio = (a: number | undefined, b: number | undefined): number =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? NaN : a / b;
