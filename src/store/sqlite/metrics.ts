import type Database from 'better-sqlite3';
import { mergePoint, metricRow, type MetricPoint, type MetricSeriesKey, type MetricStore } from '../metrics';

/** Migration that adds metric points (appended to `migrations` in sqlite-store.ts). */
export const sqliteMetricsMigration = `
  CREATE TABLE metric_points (
    namespace TEXT NOT NULL, metric_name TEXT NOT NULL, dims TEXT NOT NULL, period_s INTEGER NOT NULL, ts_ms INTEGER NOT NULL,
    unit TEXT NOT NULL, count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, hist TEXT NOT NULL,
    PRIMARY KEY (namespace, metric_name, dims, period_s, ts_ms));
  CREATE INDEX metric_points_age ON metric_points (period_s, ts_ms);`;

/** Metric points on SQLite: a merge reads each row and writes it back inside one IMMEDIATE transaction. */
export class SqliteMetrics implements MetricStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      get: db.prepare('SELECT * FROM metric_points WHERE namespace = ? AND metric_name = ? AND dims = ? AND period_s = ? AND ts_ms = ?'),
      put: db.prepare(
        `INSERT INTO metric_points (namespace, metric_name, dims, period_s, ts_ms, unit, count, sum, min, max, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, metric_name, dims, period_s, ts_ms) DO UPDATE SET unit = excluded.unit, count = excluded.count, sum = excluded.sum,
         min = excluded.min, max = excluded.max, hist = excluded.hist`,
      ),
      query: db.prepare('SELECT * FROM metric_points WHERE namespace = ? AND metric_name = ? AND dims = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, period_s'),
      old: db.prepare('SELECT * FROM metric_points WHERE period_s = ? AND ts_ms < ? ORDER BY ts_ms LIMIT ?'),
      del: db.prepare('DELETE FROM metric_points WHERE namespace = ? AND metric_name = ? AND dims = ? AND period_s = ? AND ts_ms = ?'),
    };
  }

  private mergeOne(p: MetricPoint): void {
    const r = this.st.get.get(p.namespace, p.metricName, p.dims, p.periodS, p.tsMs) as Record<string, unknown> | undefined;
    const m = mergePoint(r ? metricRow(r) : undefined, p);
    this.st.put.run(m.namespace, m.metricName, m.dims, m.periodS, m.tsMs, m.unit, m.count, m.sum, m.min, m.max, m.hist);
  }

  async mergeMetricPoints(points: MetricPoint[]): Promise<void> {
    if (!points.length) return;
    this.db.transaction(() => points.forEach((p) => this.mergeOne(p))).immediate();
  }

  async queryMetricPoints(k: MetricSeriesKey, startMs: number, endMs: number): Promise<MetricPoint[]> {
    return (this.st.query.all(k.namespace, k.metricName, k.dims, startMs, endMs) as Record<string, unknown>[]).map(metricRow);
  }

  async listMetricSeries(q: { namespace?: string; metricName?: string; sinceMs: number; after?: MetricSeriesKey; limit: number }): Promise<MetricSeriesKey[]> {
    const where = ['ts_ms >= ?'];
    const args: unknown[] = [q.sinceMs];
    if (q.namespace !== undefined) (where.push('namespace = ?'), args.push(q.namespace));
    if (q.metricName !== undefined) (where.push('metric_name = ?'), args.push(q.metricName));
    if (q.after) (where.push('(namespace, metric_name, dims) > (?, ?, ?)'), args.push(q.after.namespace, q.after.metricName, q.after.dims));
    const sql = `SELECT DISTINCT namespace, metric_name, dims FROM metric_points WHERE ${where.join(' AND ')} ORDER BY namespace, metric_name, dims LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as Record<string, string>[]).map((r) => ({ namespace: r.namespace!, metricName: r.metric_name!, dims: r.dims! }));
  }

  async rollupMetricPoints(fromPeriodS: number, beforeMs: number, limit: number, rollup: (points: MetricPoint[]) => MetricPoint[]): Promise<number> {
    return this.db.transaction(() => {
      const pts = (this.st.old.all(fromPeriodS, beforeMs, limit) as Record<string, unknown>[]).map(metricRow);
      for (const p of pts) this.st.del.run(p.namespace, p.metricName, p.dims, p.periodS, p.tsMs);
      for (const p of rollup(pts)) this.mergeOne(p);
      return pts.length;
    }).immediate();
  }
}
