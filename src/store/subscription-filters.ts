/**
 * CloudWatch Logs subscription filters (src/logs/subscriptions.ts): one row
 * per (log group, filter name), with the delivery cursor: the id of the last
 * log event of the group already handed to the destination (events with a
 * greater id are still to be delivered). The cursor is advanced only after
 * the batch it covers is durable at the destination's side (the async
 * queue), so every event is delivered at least once.
 */
export interface SubscriptionFilterRecord {
  logGroup: string;
  filterName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn: string | null;
  distribution: 'ByLogStream' | 'Random';
  createdMs: number;
  cursorId: number;
}

export type PutSubscriptionResult = 'created' | 'updated' | 'no-group' | 'limit';

export interface SubscriptionFilterStore {
  /**
   * Creates or replaces the group's filter `filterName` (a replaced filter
   * keeps its cursor). A new one starts after the group's newest event now,
   * and is refused ('limit') when the group has `perGroupMax` already.
   */
  putSubscriptionFilter(rec: Omit<SubscriptionFilterRecord, 'cursorId'>, perGroupMax: number): Promise<PutSubscriptionResult>;
  /** The group's filters by name after `afterName`, with `prefix` when given. */
  listSubscriptionFilters(group: string, q: { prefix?: string; afterName?: string; limit: number }): Promise<SubscriptionFilterRecord[]>;
  deleteSubscriptionFilter(group: string, filterName: string): Promise<boolean>;
  /** Every filter (the delivery worker's round). */
  allSubscriptionFilters(): Promise<SubscriptionFilterRecord[]>;
  /** Moves the cursor forward (never back); false when the filter is gone. */
  advanceSubscriptionCursor(group: string, filterName: string, cursorId: number): Promise<boolean>;
}

/** A row of either database as a record. */
export function subscriptionRow(r: Record<string, unknown>): SubscriptionFilterRecord {
  return {
    logGroup: String(r.log_group),
    filterName: String(r.filter_name),
    filterPattern: String(r.filter_pattern),
    destinationArn: String(r.destination_arn),
    roleArn: r.role_arn === null || r.role_arn === undefined ? null : String(r.role_arn),
    distribution: r.distribution === 'Random' ? 'Random' : 'ByLogStream',
    createdMs: Number(r.created_ms),
    cursorId: Number(r.cursor_id),
  };
}

/** The table, the same on both databases (SQLite: in the logs database, appended to `logMigrations`). */
export const subscriptionFiltersMigration = `
  CREATE TABLE log_subscription_filters (
    log_group TEXT NOT NULL, filter_name TEXT NOT NULL, filter_pattern TEXT NOT NULL, destination_arn TEXT NOT NULL,
    role_arn TEXT, distribution TEXT NOT NULL, created_ms BIGINT NOT NULL, cursor_id BIGINT NOT NULL,
    PRIMARY KEY (log_group, filter_name));`;
