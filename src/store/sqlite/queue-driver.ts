import type Database from 'better-sqlite3';
import type { QueueOp, Sql } from '../queue-sql';

/**
 * Runs a queue operation (src/store/queue-sql.ts) in one SQLite write
 * transaction on the main database (synchronous=FULL: a send that resolved
 * is on disk). The clock is this process's: one server uses a data dir.
 */
export function runSqlite<T, A extends unknown[]>(db: Database.Database, op: (now: number, ...a: A) => QueueOp<T>, ...args: A): T {
  const cache = new Map<string, { st: Database.Statement; order: number[] }>();
  const run = (q: Sql): Record<string, unknown>[] => {
    let c = cache.get(q.sql);
    if (!c) {
      // `$n` → `?`, the arguments repeated in the order the placeholders appear.
      const order: number[] = [];
      const sql = q.sql.replace(/\/\*(SKIP|LOCK|SHARE)\*\//g, '').replace(/\$(\d+)/g, (_m, n: string) => (order.push(Number(n) - 1), '?'));
      c = { st: db.prepare(sql), order };
      cache.set(q.sql, c);
    }
    const st = c.st;
    const args = c.order.map((i) => q.args[i]).map((a) => (typeof a === 'boolean' ? Number(a) : a ?? null));
    return st.reader ? (st.all(...args) as Record<string, unknown>[]) : (st.run(...args), []);
  };
  return db.transaction(() => {
    const g = op(Date.now(), ...args);
    let r = g.next();
    while (!r.done) r = g.next(run(r.value));
    return r.value;
  }).immediate();
}

export const sqliteQueueMigration = `
  CREATE TABLE sqs_queues (
    name TEXT PRIMARY KEY, attributes TEXT NOT NULL, tags TEXT NOT NULL,
    created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, dlq_target TEXT, seq INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX sqs_queues_dlq ON sqs_queues (dlq_target, name);
  CREATE TABLE sqs_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, message_id TEXT NOT NULL,
    body BLOB NOT NULL, attributes BLOB, sender_id TEXT NOT NULL, sent_ms INTEGER NOT NULL, visible_ms INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0, first_receive_ms INTEGER, receipt TEXT, attempt_id TEXT, attempt_ms INTEGER,
    group_id TEXT, dedup_id TEXT, seq TEXT, source_queue TEXT);
  CREATE INDEX sqs_messages_visible ON sqs_messages (queue, visible_ms, id);
  CREATE INDEX sqs_messages_group ON sqs_messages (queue, group_id, id);
  CREATE INDEX sqs_messages_sent ON sqs_messages (queue, sent_ms);
  CREATE TABLE sqs_dedup (
    queue TEXT NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL, seq TEXT, expires_ms INTEGER NOT NULL,
    PRIMARY KEY (queue, dedup_id));`;
