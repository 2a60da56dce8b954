import type pg from 'pg';
import type { QueueOp } from '../queue-sql';
import { inTransaction } from './pool';

/**
 * Runs a queue operation (src/store/queue-sql.ts) in one PostgreSQL
 * transaction (synchronous commit: a send that resolved is durable). The
 * clock is the database's (`clock_timestamp()` read first), so servers
 * sharing the database agree on due times whatever their own clocks say.
 */
export async function runPostgres<T, A extends unknown[]>(pool: pg.Pool, op: (now: number, ...a: A) => QueueOp<T>, ...args: A): Promise<T> {
  return inTransaction(pool, async (c) => {
    const now = await c.query<{ now: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8 AS now');
    const g = op(Number(now.rows[0]!.now), ...args);
    let r = g.next();
    while (!r.done) {
      const sql = r.value.sql.replace(/\/\*SKIP\*\//g, 'FOR UPDATE SKIP LOCKED').replace(/\/\*LOCK\*\//g, 'FOR UPDATE').replace(/\/\*SHARE\*\//g, 'FOR SHARE');
      const res = await c.query(sql, r.value.args);
      r = g.next(res.rows as Record<string, unknown>[]);
    }
    return r.value;
  });
}

/**
 * Runs a read that takes no clock and one statement (getQueue, listQueues,
 * deadLetterSources) as a single query outside a transaction: one round trip
 * instead of BEGIN, clock, query, COMMIT. A lone SELECT sees one snapshot, so
 * it answers what a transaction would.
 */
export async function readPostgres<T, A extends unknown[]>(pool: pg.Pool, op: (now: number, ...a: A) => QueueOp<T>, ...args: A): Promise<T> {
  const g = op(0, ...args);
  let r = g.next();
  while (!r.done) {
    const res = await pool.query(r.value.sql, r.value.args);
    r = g.next(res.rows as Record<string, unknown>[]);
  }
  return r.value;
}

export const postgresQueueMigration = `
  CREATE TABLE sqs_queues (
    name text COLLATE "C" PRIMARY KEY, attributes text NOT NULL, tags text NOT NULL,
    created_ms bigint NOT NULL, modified_ms bigint NOT NULL, dlq_target text COLLATE "C", seq bigint NOT NULL DEFAULT 0);
  CREATE INDEX sqs_queues_dlq ON sqs_queues (dlq_target, name);
  CREATE TABLE sqs_messages (
    id bigserial PRIMARY KEY, queue text COLLATE "C" NOT NULL, message_id text NOT NULL,
    body bytea NOT NULL, attributes bytea, sender_id text NOT NULL, sent_ms bigint NOT NULL, visible_ms bigint NOT NULL,
    receive_count integer NOT NULL DEFAULT 0, first_receive_ms bigint, receipt text, attempt_id text, attempt_ms bigint,
    group_id text, dedup_id text, seq text, source_queue text);
  CREATE INDEX sqs_messages_visible ON sqs_messages (queue, visible_ms, id);
  CREATE INDEX sqs_messages_group ON sqs_messages (queue, group_id, id);
  CREATE INDEX sqs_messages_sent ON sqs_messages (queue, sent_ms);
  CREATE TABLE sqs_dedup (
    queue text COLLATE "C" NOT NULL, dedup_id text NOT NULL, message_id text NOT NULL, seq text, expires_ms bigint NOT NULL,
    PRIMARY KEY (queue, dedup_id));`;
