import type pg from 'pg';
import { mergePoint, metricRow, type MetricPoint, type MetricSeriesKey, type MetricStore } from '../metrics';
import { inTransaction } from './pool';

/** Migration that adds metric points (appended to `migrations` in schema.ts). */
export const postgresMetricsMigration = `
  CREATE TABLE metric_points (
    namespace text NOT NULL, metric_name text NOT NULL, dims text NOT NULL, period_s integer NOT NULL, ts_ms bigint NOT NULL,
    unit text NOT NULL, count double precision NOT NULL, sum double precision NOT NULL, min double precision NOT NULL, max double precision NOT NULL,
    hist text NOT NULL, PRIMARY KEY (namespace, metric_name, dims, period_s, ts_ms));
  CREATE INDEX metric_points_age ON metric_points (period_s, ts_ms);`;

const keyCols = 'namespace = $1 AND metric_name = $2 AND dims = $3 AND period_s = $4 AND ts_ms = $5';
const keyOf = (p: MetricPoint) => [p.namespace, p.metricName, p.dims, p.periodS, p.tsMs];
/** Points in key order, so two processes merging overlapping batches lock rows in the same order (no deadlock). */
const byKey = (a: MetricPoint, b: MetricPoint) =>
  a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.metricName < b.metricName ? -1 : a.metricName > b.metricName ? 1
    : a.dims < b.dims ? -1 : a.dims > b.dims ? 1 : a.periodS - b.periodS || a.tsMs - b.tsMs;

/** Metric points on PostgreSQL: a merge locks the row (`FOR UPDATE`), so merges from several Kumo processes add up. */
export class PostgresMetrics implements MetricStore {
  constructor(private readonly pool: pg.Pool) {}

  private async mergeOne(c: pg.PoolClient, p: MetricPoint): Promise<void> {
    for (;;) {
      const r = (await c.query(`SELECT * FROM metric_points WHERE ${keyCols} FOR UPDATE`, keyOf(p))).rows[0] as Record<string, unknown> | undefined;
      if (r) {
        const m = mergePoint(metricRow(r), p);
        await c.query(`UPDATE metric_points SET unit = $6, count = $7, sum = $8, min = $9, max = $10, hist = $11 WHERE ${keyCols}`, [...keyOf(m), m.unit, m.count, m.sum, m.min, m.max, m.hist]);
        return;
      }
      const ins = await c.query(
        `INSERT INTO metric_points (namespace, metric_name, dims, period_s, ts_ms, unit, count, sum, min, max, hist) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT DO NOTHING`,
        [...keyOf(p), p.unit, p.count, p.sum, p.min, p.max, p.hist],
      );
      if (ins.rowCount === 1) return;
      // Another process inserted it meanwhile: merge into theirs.
    }
  }

  mergeMetricPoints(points: MetricPoint[]): Promise<void> {
    if (!points.length) return Promise.resolve();
    return inTransaction(this.pool, async (c) => {
      for (const p of [...points].sort(byKey)) await this.mergeOne(c, p);
    });
  }

  async queryMetricPoints(k: MetricSeriesKey, startMs: number, endMs: number): Promise<MetricPoint[]> {
    const r = await this.pool.query('SELECT * FROM metric_points WHERE namespace = $1 AND metric_name = $2 AND dims = $3 AND ts_ms >= $4 AND ts_ms < $5 ORDER BY ts_ms, period_s', [k.namespace, k.metricName, k.dims, startMs, endMs]);
    return r.rows.map(metricRow);
  }

  async listMetricSeries(q: { namespace?: string; metricName?: string; sinceMs: number; after?: MetricSeriesKey; limit: number }): Promise<MetricSeriesKey[]> {
    const where = ['ts_ms >= $1'];
    const args: unknown[] = [q.sinceMs];
    const arg = (v: unknown) => (args.push(v), `$${args.length}`);
    if (q.namespace !== undefined) where.push(`namespace = ${arg(q.namespace)}`);
    if (q.metricName !== undefined) where.push(`metric_name = ${arg(q.metricName)}`);
    // COLLATE "C": the same byte order as SQLite's, so a page token means the same on both.
    if (q.after) where.push(`(namespace COLLATE "C", metric_name COLLATE "C", dims COLLATE "C") > (${arg(q.after.namespace)}, ${arg(q.after.metricName)}, ${arg(q.after.dims)})`);
    const sql = `SELECT DISTINCT namespace COLLATE "C" AS namespace, metric_name COLLATE "C" AS metric_name, dims COLLATE "C" AS dims FROM metric_points
      WHERE ${where.join(' AND ')} ORDER BY 1, 2, 3 LIMIT ${arg(q.limit)}`;
    return (await this.pool.query(sql, args)).rows.map((r: Record<string, string>) => ({ namespace: r.namespace!, metricName: r.metric_name!, dims: r.dims! }));
  }

  rollupMetricPoints(fromPeriodS: number, beforeMs: number, limit: number, rollup: (points: MetricPoint[]) => MetricPoint[]): Promise<number> {
    return inTransaction(this.pool, async (c) => {
      const rows = (await c.query('SELECT * FROM metric_points WHERE period_s = $1 AND ts_ms < $2 ORDER BY ts_ms LIMIT $3 FOR UPDATE SKIP LOCKED', [fromPeriodS, beforeMs, limit])).rows;
      const pts = rows.map(metricRow);
      for (const p of pts) await c.query(`DELETE FROM metric_points WHERE ${keyCols}`, keyOf(p));
      for (const p of rollup(pts).sort(byKey)) await this.mergeOne(c, p);
      return pts.length;
    });
  }
}
