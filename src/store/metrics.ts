/**
 * Metric points (src/metrics/): one row per series and period start, at a
 * period of 60, 300, 3600 or 86400 seconds. `dims` is the series' dimensions as
 * canonical JSON (`[[name, value], …]` sorted by name), so equal dimension
 * sets are equal strings. Writes merge into an existing row (count and sum
 * add, min/max combine, histograms add), so flushing a minute twice, or
 * PutMetricData for a minute already flushed, counts everything once.
 */
export interface MetricPoint {
  namespace: string;
  metricName: string;
  dims: string;
  periodS: number;
  tsMs: number;
  unit: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** The histogram, sparse JSON `{index: count}` (src/metrics/stats.ts). */
  hist: string;
}

export interface MetricSeriesKey {
  namespace: string;
  metricName: string;
  dims: string;
}

export interface MetricStore {
  /** Merges each point into its row (creating it); one transaction; resolves once durable. */
  mergeMetricPoints(points: MetricPoint[]): Promise<void>;
  /** A series' points with `startMs <= tsMs < endMs`, any period, oldest first. */
  queryMetricPoints(key: MetricSeriesKey, startMs: number, endMs: number): Promise<MetricPoint[]>;
  /** Series with a point at or after `sinceMs`, ordered by (namespace, metricName, dims), after `after` when given. */
  listMetricSeries(q: { namespace?: string; metricName?: string; sinceMs: number; after?: MetricSeriesKey; limit: number }): Promise<MetricSeriesKey[]>;
  /**
   * Retention: in one transaction, reads up to `limit` points of period
   * `fromPeriodS` older than `beforeMs`, merges `rollup(points)` (points of a
   * longer period, or none to just delete) and deletes the points read.
   * Returns how many were read.
   */
  rollupMetricPoints(fromPeriodS: number, beforeMs: number, limit: number, rollup: (points: MetricPoint[]) => MetricPoint[]): Promise<number>;
}

/** A row of either database as a MetricPoint. */
export function metricRow(r: Record<string, unknown>): MetricPoint {
  return {
    namespace: String(r.namespace),
    metricName: String(r.metric_name),
    dims: String(r.dims),
    periodS: Number(r.period_s),
    tsMs: Number(r.ts_ms),
    unit: String(r.unit),
    count: Number(r.count),
    sum: Number(r.sum),
    min: Number(r.min),
    max: Number(r.max),
    hist: String(r.hist),
  };
}

/** Two sparse histograms added (the merge both drivers do before writing a row back). */
export function mergeHistJson(a: string, b: string): string {
  const x = JSON.parse(a) as Record<string, number>;
  for (const [k, v] of Object.entries(JSON.parse(b) as Record<string, number>)) x[k] = (x[k] ?? 0) + v;
  return JSON.stringify(x);
}

/** `p` merged into the existing row `old` (undefined: `p` as it is). The unit is the newest point's. */
export function mergePoint(old: MetricPoint | undefined, p: MetricPoint): MetricPoint {
  if (!old) return p;
  return {
    ...p,
    count: old.count + p.count,
    sum: old.sum + p.sum,
    min: Math.min(old.min, p.min),
    max: Math.max(old.max, p.max),
    hist: mergeHistJson(old.hist, p.hist),
  };
}
