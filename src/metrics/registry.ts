import type { MetricPoint, MetricSeriesKey, MetricStore } from '../store/metrics';
export type { MetricPoint, MetricSeriesKey } from '../store/metrics';
import { dimsKey, type Dimension } from './dimensions';
import * as L from './limits';
import { add, histFromJson, histToJson, merge, newStats, type Stats } from './stats';

/** One live series: the open minute and minutes closed but not yet written. */
export class Series {
  openTs = -1;
  open: Stats = newStats();
  closed: { ts: number; stats: Stats }[] = [];
  constructor(readonly key: MetricSeriesKey, readonly unit: string) {}
}

/** A period's statistics for a query (timestamps ms). */
export interface Aggregate {
  tsMs: number;
  unit: string;
  stats: Stats;
}

/**
 * The in-memory metrics registry (issue 17 item 1): series of 1-minute
 * buckets, recorded with constant work and no allocation (`record` adds to
 * the open minute; a new minute allocates once per series per minute),
 * written to the store by `flush` off the invoke path (merge: the store adds
 * what is written to what it has, so a minute flushed in parts counts once).
 * Queries read the store and what is still in memory. At most
 * `seriesMax` live series; a new series past it is dropped and counted.
 */
export class MetricsRegistry {
  private readonly series = new Map<string, Series>();
  /** Points handed to the store and not yet committed: still answered from memory. */
  private inFlight: MetricPoint[] = [];
  private flushing: Promise<void> | undefined;
  private readonly puts = new Set<Promise<unknown>>();
  /** Series refused because `seriesMax` was reached. */
  droppedSeries = 0;

  constructor(
    private readonly store: MetricStore,
    readonly now: () => number = Date.now,
  ) {}

  /** The series for a namespace, metric and dimension set (created once; undefined past the cap). */
  get(namespace: string, metricName: string, dims: readonly Dimension[], unit: string): Series | undefined {
    const d = dimsKey(dims);
    const k = `${namespace}\u0000${metricName}\u0000${d}`;
    let s = this.series.get(k);
    if (!s) {
      if (this.series.size >= L.seriesMax) {
        this.droppedSeries++;
        return undefined;
      }
      s = new Series({ namespace, metricName, dims: d }, unit);
      this.series.set(k, s);
    }
    return s;
  }

  /** Adds one observation now: a few additions, no allocation within a minute. */
  record(s: Series | undefined, v: number): void {
    if (!s) return;
    const now = this.now();
    const ts = now - (now % L.bucketMs);
    if (ts !== s.openTs) this.roll(s, ts);
    add(s.open, v);
  }

  private roll(s: Series, ts: number): void {
    if (s.open.count > 0) s.closed.push({ ts: s.openTs, stats: s.open });
    s.open = newStats();
    s.openTs = ts;
  }

  /** Writes every bucket with data (open ones too: the store merges the rest of the minute later) and resolves once durable. */
  async flush(): Promise<void> {
    await Promise.all(this.puts);
    while (this.flushing) await this.flushing.catch(() => undefined);
    const points: MetricPoint[] = [];
    for (const s of this.series.values()) {
      for (const c of s.closed) points.push(point(s, c.ts, c.stats));
      s.closed = [];
      if (s.open.count > 0) {
        points.push(point(s, s.openTs, s.open));
        s.open = newStats();
      }
    }
    if (!points.length) return;
    this.inFlight.push(...points);
    this.flushing = this.store.mergeMetricPoints(points).then(
      () => {
        const done = new Set(points);
        this.inFlight = this.inFlight.filter((p) => !done.has(p));
      },
      (e) => {
        // Kept in memory for the next flush (and answered meanwhile from inFlight).
        const done = new Set(points);
        this.inFlight = this.inFlight.filter((p) => !done.has(p));
        for (const p of points) this.restore(p);
        throw e;
      },
    ).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private restore(p: MetricPoint): void {
    const s = this.series.get(`${p.namespace}\u0000${p.metricName}\u0000${p.dims}`);
    if (!s) return;
    s.closed.push({ ts: p.tsMs, stats: { count: p.count, sum: p.sum, min: p.min, max: p.max, hist: histFromJson(p.hist) } });
  }

  /** Rolls up or deletes points past their tier's retention (one batch per tier per call); returns points handled. */
  async sweep(): Promise<number> {
    const now = this.now();
    let n = 0;
    n += await this.store.rollupMetricPoints(60, now - L.minutePointsKeepMs, L.rollupBatchPointsMax, (pts) => rollup(pts, 300));
    n += await this.store.rollupMetricPoints(300, now - L.fiveMinutePointsKeepMs, L.rollupBatchPointsMax, (pts) => rollup(pts, 3600));
    n += await this.store.rollupMetricPoints(3600, now - L.hourPointsKeepMs, L.rollupBatchPointsMax, (pts) => rollup(pts, 86_400));
    n += await this.store.rollupMetricPoints(86_400, now - L.dayPointsKeepMs, L.rollupBatchPointsMax, () => []);
    return n;
  }

  /** A series' statistics per `periodMs`, aligned to `startMs`, from the store and memory; periods without data are left out. */
  async query(key: MetricSeriesKey, startMs: number, endMs: number, periodMs: number): Promise<Aggregate[]> {
    const stored = await this.store.queryMetricPoints(key, startMs - (startMs % L.bucketMs), endMs);
    const byPeriod = new Map<number, Aggregate>();
    const put = (ts: number, unit: string, st: Stats) => {
      if (ts < startMs - (startMs % L.bucketMs) || ts >= endMs || st.count <= 0) return;
      const b = startMs + Math.floor(Math.max(0, ts - startMs) / periodMs) * periodMs;
      let a = byPeriod.get(b);
      if (!a) byPeriod.set(b, (a = { tsMs: b, unit, stats: newStats() }));
      merge(a.stats, st);
    };
    for (const p of stored) put(p.tsMs, p.unit, { count: p.count, sum: p.sum, min: p.min, max: p.max, hist: histFromJson(p.hist) });
    for (const p of this.inFlight) {
      if (p.namespace === key.namespace && p.metricName === key.metricName && p.dims === key.dims) {
        put(p.tsMs, p.unit, { count: p.count, sum: p.sum, min: p.min, max: p.max, hist: histFromJson(p.hist) });
      }
    }
    const s = this.series.get(`${key.namespace}\u0000${key.metricName}\u0000${key.dims}`);
    if (s) {
      for (const c of s.closed) put(c.ts, s.unit, c.stats);
      put(s.openTs, s.unit, s.open);
    }
    return [...byPeriod.values()].sort((a, b) => a.tsMs - b.tsMs);
  }

  /** Series known now in memory (with data not yet written), for ListMetrics. */
  liveSeries(): MetricSeriesKey[] {
    const out: MetricSeriesKey[] = [];
    for (const s of this.series.values()) if (s.open.count > 0 || s.closed.length) out.push(s.key);
    for (const p of this.inFlight) out.push({ namespace: p.namespace, metricName: p.metricName, dims: p.dims });
    return out;
  }

  list(q: { namespace?: string; metricName?: string; sinceMs: number; after?: MetricSeriesKey; limit: number }): Promise<MetricSeriesKey[]> {
    return this.store.listMetricSeries(q);
  }

  /** Writes points straight to the store (PutMetricData: durable before it is answered; EMF). `flush` waits for these too. */
  put(points: MetricPoint[]): Promise<void> {
    const w = this.store.mergeMetricPoints(points);
    const tracked = w.catch(() => undefined).finally(() => this.puts.delete(tracked));
    this.puts.add(tracked);
    return w;
  }
}

function point(s: Series, ts: number, st: Stats): MetricPoint {
  return { ...s.key, periodS: 60, tsMs: ts, unit: s.unit, count: st.count, sum: st.sum, min: st.min, max: st.max, hist: histToJson(st.hist) };
}

/** Points merged into periods of `periodS` (aligned to the epoch). */
export function rollup(pts: MetricPoint[], periodS: number): MetricPoint[] {
  const out = new Map<string, { p: MetricPoint; st: Stats }>();
  const periodMs = periodS * 1000;
  for (const p of pts) {
    const ts = p.tsMs - (p.tsMs % periodMs);
    const k = `${p.namespace}\u0000${p.metricName}\u0000${p.dims}\u0000${ts}`;
    let o = out.get(k);
    if (!o) out.set(k, (o = { p: { ...p, periodS, tsMs: ts }, st: newStats() }));
    merge(o.st, { count: p.count, sum: p.sum, min: p.min, max: p.max, hist: histFromJson(p.hist) });
  }
  return [...out.values()].map(({ p, st }) => ({ ...p, count: st.count, sum: st.sum, min: st.min, max: st.max, hist: histToJson(st.hist) }));
}
