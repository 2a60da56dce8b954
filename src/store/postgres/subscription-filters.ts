import type pg from 'pg';
import { subscriptionRow, type PutSubscriptionResult, type SubscriptionFilterRecord, type SubscriptionFilterStore } from '../subscription-filters';
import { inTransaction } from './pool';

/** Subscription filters on PostgreSQL: a put locks the group's row, so two servers cannot both add a group's third filter. */
export class PostgresSubscriptionFilters implements SubscriptionFilterStore {
  constructor(private readonly pool: pg.Pool) {}

  putSubscriptionFilter(rec: Omit<SubscriptionFilterRecord, 'cursorId'>, perGroupMax: number): Promise<PutSubscriptionResult> {
    return inTransaction(this.pool, async (c): Promise<PutSubscriptionResult> => {
      if ((await c.query('SELECT 1 FROM log_groups WHERE name = $1 FOR UPDATE', [rec.logGroup])).rowCount === 0) return 'no-group';
      const upd = await c.query(
        'UPDATE log_subscription_filters SET filter_pattern = $1, destination_arn = $2, role_arn = $3, distribution = $4 WHERE log_group = $5 AND filter_name = $6',
        [rec.filterPattern, rec.destinationArn, rec.roleArn, rec.distribution, rec.logGroup, rec.filterName],
      );
      if (upd.rowCount === 1) return 'updated';
      const n = Number((await c.query('SELECT COUNT(*) AS n FROM log_subscription_filters WHERE log_group = $1', [rec.logGroup])).rows[0].n);
      if (n >= perGroupMax) return 'limit';
      const max = Number((await c.query('SELECT COALESCE(MAX(id), 0) AS m FROM log_events WHERE log_group = $1', [rec.logGroup])).rows[0].m);
      await c.query(
        `INSERT INTO log_subscription_filters (log_group, filter_name, filter_pattern, destination_arn, role_arn, distribution, created_ms, cursor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [rec.logGroup, rec.filterName, rec.filterPattern, rec.destinationArn, rec.roleArn, rec.distribution, rec.createdMs, max],
      );
      return 'created';
    });
  }

  async listSubscriptionFilters(group: string, q: { prefix?: string; afterName?: string; limit: number }): Promise<SubscriptionFilterRecord[]> {
    const r = await this.pool.query(
      `SELECT * FROM log_subscription_filters WHERE log_group = $1 AND filter_name COLLATE "C" > $2 AND ($3::text IS NULL OR left(filter_name, length($3::text)) = $3::text)
       ORDER BY filter_name COLLATE "C" LIMIT $4`,
      [group, q.afterName ?? '', q.prefix ?? null, q.limit],
    );
    return (r.rows as Record<string, unknown>[]).map(subscriptionRow);
  }

  async deleteSubscriptionFilter(group: string, filterName: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM log_subscription_filters WHERE log_group = $1 AND filter_name = $2', [group, filterName])).rowCount === 1;
  }

  async allSubscriptionFilters(): Promise<SubscriptionFilterRecord[]> {
    const r = await this.pool.query('SELECT * FROM log_subscription_filters ORDER BY log_group COLLATE "C", filter_name COLLATE "C"');
    return (r.rows as Record<string, unknown>[]).map(subscriptionRow);
  }

  async advanceSubscriptionCursor(group: string, filterName: string, cursorId: number): Promise<boolean> {
    const r = await this.pool.query('UPDATE log_subscription_filters SET cursor_id = GREATEST(cursor_id, $1) WHERE log_group = $2 AND filter_name = $3', [cursorId, group, filterName]);
    return r.rowCount === 1;
  }
}
