import type Database from 'better-sqlite3';
import { subscriptionRow, type PutSubscriptionResult, type SubscriptionFilterRecord, type SubscriptionFilterStore } from '../subscription-filters';

/** Subscription filters on SQLite, in the logs database (beside the events whose ids the cursors name). */
export class SqliteSubscriptionFilters implements SubscriptionFilterStore {
  constructor(private readonly db: Database.Database) {}

  async putSubscriptionFilter(rec: Omit<SubscriptionFilterRecord, 'cursorId'>, perGroupMax: number): Promise<PutSubscriptionResult> {
    return this.db.transaction((): PutSubscriptionResult => {
      if (!this.db.prepare('SELECT 1 FROM log_groups WHERE name = ?').get(rec.logGroup)) return 'no-group';
      const args = [rec.filterPattern, rec.destinationArn, rec.roleArn, rec.distribution, rec.logGroup, rec.filterName];
      const upd = this.db.prepare('UPDATE log_subscription_filters SET filter_pattern = ?, destination_arn = ?, role_arn = ?, distribution = ? WHERE log_group = ? AND filter_name = ?');
      if (upd.run(...args).changes === 1) return 'updated';
      const n = (this.db.prepare('SELECT COUNT(*) AS n FROM log_subscription_filters WHERE log_group = ?').get(rec.logGroup) as { n: number }).n;
      if (n >= perGroupMax) return 'limit';
      const max = (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM log_events WHERE log_group = ?').get(rec.logGroup) as { m: number }).m;
      this.db.prepare(
        `INSERT INTO log_subscription_filters (log_group, filter_name, filter_pattern, destination_arn, role_arn, distribution, created_ms, cursor_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(rec.logGroup, rec.filterName, rec.filterPattern, rec.destinationArn, rec.roleArn, rec.distribution, rec.createdMs, max);
      return 'created';
    }).immediate();
  }

  async listSubscriptionFilters(group: string, q: { prefix?: string; afterName?: string; limit: number }): Promise<SubscriptionFilterRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM log_subscription_filters WHERE log_group = ? AND filter_name > ? AND (? IS NULL OR substr(filter_name, 1, length(?)) = ?)
         ORDER BY filter_name LIMIT ?`,
      )
      .all(group, q.afterName ?? '', q.prefix ?? null, q.prefix ?? '', q.prefix ?? '', q.limit) as Record<string, unknown>[];
    return rows.map(subscriptionRow);
  }

  async deleteSubscriptionFilter(group: string, filterName: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM log_subscription_filters WHERE log_group = ? AND filter_name = ?').run(group, filterName).changes === 1;
  }

  async allSubscriptionFilters(): Promise<SubscriptionFilterRecord[]> {
    return (this.db.prepare('SELECT * FROM log_subscription_filters ORDER BY log_group, filter_name').all() as Record<string, unknown>[]).map(subscriptionRow);
  }

  async advanceSubscriptionCursor(group: string, filterName: string, cursorId: number): Promise<boolean> {
    const r = this.db.prepare('UPDATE log_subscription_filters SET cursor_id = MAX(cursor_id, ?) WHERE log_group = ? AND filter_name = ?').run(cursorId, group, filterName);
    return r.changes === 1;
  }
}
