import type Database from 'better-sqlite3';
import type { QueueOp, Sql } from '../queue-sql';

type Prepared = { st: Database.Statement; order: number[] };

/** Prepared statements per database, by their queue-sql text (preparing one costs more than running it). */
const statementCaches = new WeakMap<Database.Database, Map<string, Prepared>>();

function runner(db: Database.Database): (q: Sql) => Record<string, unknown>[] {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  const statements = cache;
  return (q) => {
    let c = statements.get(q.sql);
    if (!c) {
      // `$n` → `?`, the arguments repeated in the order the placeholders appear.
      const order: number[] = [];
      const sql = q.sql.replace(/\/\*(SKIP|LOCK|SHARE)\*\//g, '').replace(/\$(\d+)/g, (_m, n: string) => (order.push(Number(n) - 1), '?'));
      c = { st: db.prepare(sql), order };
      statements.set(q.sql, c);
    }
    const st = c.st;
    const args = c.order.map((i) => q.args[i]).map((a) => (typeof a === 'boolean' ? Number(a) : a ?? null));
    return st.reader ? (st.all(...args) as Record<string, unknown>[]) : (st.run(...args), []);
  };
}

/** Rows inserted, updated or deleted by this connection since it opened (SQLite's total_changes()). */
function totalChanges(db: Database.Database): number {
  let st = totalChangesStatements.get(db);
  if (!st) totalChangesStatements.set(db, (st = db.prepare('SELECT total_changes()').pluck()));
  return st.get() as number;
}
const totalChangesStatements = new WeakMap<Database.Database, Database.Statement>();

function drive<T>(g: QueueOp<T>, run: (q: Sql) => Record<string, unknown>[]): T {
  let r = g.next();
  while (!r.done) r = g.next(run(r.value));
  return r.value;
}

/**
 * Runs a queue operation (src/store/queue-sql.ts) in one SQLite write
 * transaction on the main database. The caller (SqliteStore) then waits for
 * the WAL's fsync before answering a write (`committed()`). The clock is this
 * process's: one server uses a data dir.
 */
export function runSqlite<T, A extends unknown[]>(db: Database.Database, op: (now: number, ...a: A) => QueueOp<T>, ...args: A): T {
  const run = runner(db);
  return db.transaction(() => drive(op(Date.now(), ...args), run)).immediate();
}

/**
 * Runs a read that takes no clock (getQueue, listQueues, deadLetterSources)
 * without a transaction: `runSqlite`'s BEGIN IMMEDIATE would take the write
 * lock and wait behind writers for a plain SELECT.
 */
export function readSqlite<T, A extends unknown[]>(db: Database.Database, op: (now: number, ...a: A) => QueueOp<T>, ...args: A): T {
  return drive(op(0, ...args), runner(db));
}

/**
 * Runs a read that takes the clock and several statements (stream reads: a
 * stream row, then its shards or records) in a deferred transaction: one
 * snapshot, without the write lock `runSqlite`'s BEGIN IMMEDIATE takes (a
 * GetRecords then never waits behind PutRecords' commits).
 */
export function readSqliteAt<T, A extends unknown[]>(db: Database.Database, op: (now: number, ...a: A) => QueueOp<T>, ...args: A): T {
  const run = runner(db);
  return db.transaction(() => drive(op(Date.now(), ...args), run)).deferred();
}

/**
 * Group commit: the operations given in one turn of the event loop run in one
 * write transaction, one after the other, each in its own savepoint (an
 * operation that throws rolls back its own writes only and rejects only its
 * caller), and every caller is answered after the one commit and then
 * `sync` (SqliteStore's: resolves after an fsync of the WAL that began after
 * the commit, off the event loop). N concurrent SendMessages then cost one
 * commit (fewer WAL frames: a page changed by several is written once) and
 * share one fsync, and each still resolves only once its message is on disk.
 * SQLite has one writer at a time, so running them one after the other
 * inside one transaction is what separate transactions would have done.
 */
export class SqliteGroupCommit {
  private pending: { start: (now: number) => QueueOp<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly db: Database.Database, private readonly sync: () => Promise<void>) {}

  run<T, A extends unknown[]>(op: (now: number, ...a: A) => QueueOp<T>, ...args: A): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ start: (now) => op(now, ...args), resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let changed = false;
    try {
      const run = runner(this.db);
      const before = totalChanges(this.db);
      this.db.transaction(() => {
        const now = Date.now();
        for (const p of batch) {
          try {
            // A transaction function called inside another runs as a SAVEPOINT (better-sqlite3).
            outcomes.push({ ok: true, value: this.db.transaction(() => drive(p.start(now), run))() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
      changed = totalChanges(this.db) !== before;
    } catch (error) {
      // The commit itself failed: nothing of the batch is stored.
      for (const p of batch) p.reject(error);
      return;
    }
    // An operation that failed stored nothing (its savepoint rolled back): it is answered now, the others once durable.
    const stored: [typeof batch[number], unknown][] = [];
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) stored.push([p, o.value]);
      else p.reject(o.error);
    });
    if (stored.length === 0) return;
    // A batch that changed no row (receives of an empty queue: long polls re-check it) wrote nothing to sync.
    if (!changed) return stored.forEach(([p, v]) => p.resolve(v));
    this.sync().then(
      () => stored.forEach(([p, v]) => p.resolve(v)),
      (error: unknown) => stored.forEach(([p]) => p.reject(error)),
    );
  }
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
