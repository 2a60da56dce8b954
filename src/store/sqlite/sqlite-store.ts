import Database from 'better-sqlite3';
import type { AsyncEvent, FunctionRecord, LogEvent, Store, VersionRecord } from '../types';
import { StoreConflict } from '../types';

/**
 * SQLite implementation of `Store`: WAL journal with synchronous=FULL so that
 * every committed transaction is on disk before the call resolves (AWS
 * acknowledges only durable writes; so do we).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly st: ReturnType<SqliteStore['prepare']>;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.st = this.prepare();
  }

  private prepare() {
    const d = this.db;
    return {
      insertFn: d.prepare('INSERT INTO functions (name, created_at) VALUES (?, ?)'),
      insertVer: d.prepare(
        'INSERT INTO versions (function_name, version, record, revision_id) VALUES (?, ?, ?, ?)',
      ),
      getFn: d.prepare(
        `SELECT f.name, f.created_at, v.record FROM functions f
         JOIN versions v ON v.function_name = f.name AND v.version = '$LATEST' WHERE f.name = ?`,
      ),
      listFn: d.prepare(
        `SELECT f.name, f.created_at, v.record FROM functions f
         JOIN versions v ON v.function_name = f.name AND v.version = '$LATEST'
         WHERE f.name > ? ORDER BY f.name LIMIT ?`,
      ),
      casLatest: d.prepare(
        `UPDATE versions SET record = ?, revision_id = ?
         WHERE function_name = ? AND version = '$LATEST' AND revision_id = ?`,
      ),
      delVersions: d.prepare('DELETE FROM versions WHERE function_name = ?'),
      delFn: d.prepare('DELETE FROM functions WHERE name = ?'),
      count: d.prepare(
        `SELECT COUNT(*) AS n, COALESCE(SUM(json_extract(record, '$.codeSize')), 0) AS total FROM versions`,
      ),
      fnCount: d.prepare('SELECT COUNT(*) AS n FROM functions'),
      codeKeys: d.prepare(`SELECT DISTINCT json_extract(record, '$.codeKey') AS k FROM versions`),
      enqueue: d.prepare(
        `INSERT INTO async_events (id, function_name, qualifier, payload, request_id, attempts, due_at_ms, enqueued_at_ms, client_context, lease_until_ms)
         VALUES (@id, @functionName, @qualifier, @payload, @requestId, @attempts, @dueAtMs, @enqueuedAtMs, @clientContext, 0)`,
      ),
      due: d.prepare(
        `SELECT * FROM async_events WHERE due_at_ms <= ? AND lease_until_ms <= ? ORDER BY due_at_ms LIMIT ?`,
      ),
      lease: d.prepare('UPDATE async_events SET lease_until_ms = ? WHERE id = ?'),
      resched: d.prepare('UPDATE async_events SET attempts = ?, due_at_ms = ?, lease_until_ms = 0 WHERE id = ?'),
      delAsync: d.prepare('DELETE FROM async_events WHERE id = ?'),
      nextDue: d.prepare('SELECT MIN(MAX(due_at_ms, lease_until_ms)) AS t FROM async_events'),
      appendLog: d.prepare('INSERT INTO log_events (log_group, log_stream, ts_ms, message) VALUES (?, ?, ?, ?)'),
      delLogGroup: d.prepare('DELETE FROM log_events WHERE log_group = ?'),
    };
  }

  async createFunction(rec: FunctionRecord): Promise<void> {
    const tx = this.db.transaction(() => {
      const exists = this.db.prepare('SELECT 1 FROM functions WHERE name = ?').get(rec.name);
      if (exists) throw new StoreConflict(`Function already exist: ${rec.name}`);
      this.st.insertFn.run(rec.name, rec.createdAt);
      this.st.insertVer.run(rec.name, '$LATEST', JSON.stringify(rec.latest), rec.latest.revisionId);
    });
    tx.immediate();
  }

  async getFunction(name: string): Promise<FunctionRecord | undefined> {
    const row = this.st.getFn.get(name) as FnRow | undefined;
    return row ? toFunction(row) : undefined;
  }

  async listFunctions(afterName: string | undefined, limit: number): Promise<FunctionRecord[]> {
    return (this.st.listFn.all(afterName ?? '', limit) as FnRow[]).map(toFunction);
  }

  async updateLatest(rec: VersionRecord, expectedRevisionId: string): Promise<boolean> {
    const r = this.st.casLatest.run(JSON.stringify(rec), rec.revisionId, rec.functionName, expectedRevisionId);
    return r.changes === 1;
  }

  async deleteFunction(name: string): Promise<boolean> {
    let deleted = false;
    this.db.transaction(() => {
      this.st.delVersions.run(name);
      deleted = this.st.delFn.run(name).changes === 1;
    }).immediate();
    return deleted;
  }

  async countFunctions(): Promise<{ count: number; totalCodeSize: number }> {
    const fn = this.st.fnCount.get() as { n: number };
    const v = this.st.count.get() as { n: number; total: number };
    return { count: fn.n, totalCodeSize: v.total };
  }

  async referencedCodeKeys(): Promise<Set<string>> {
    return new Set((this.st.codeKeys.all() as { k: string }[]).map((r) => r.k));
  }

  async enqueueAsync(ev: AsyncEvent): Promise<void> {
    this.st.enqueue.run({ ...ev, clientContext: ev.clientContext ?? null });
  }

  async leaseDueAsync(nowMs: number, leaseUntilMs: number, limit: number): Promise<AsyncEvent[]> {
    const out: AsyncEvent[] = [];
    this.db.transaction(() => {
      for (const r of this.st.due.all(nowMs, nowMs, limit) as AsyncRow[]) {
        this.st.lease.run(leaseUntilMs, r.id);
        out.push({
          id: r.id,
          functionName: r.function_name,
          qualifier: r.qualifier,
          payload: r.payload,
          requestId: r.request_id,
          attempts: r.attempts,
          dueAtMs: r.due_at_ms,
          enqueuedAtMs: r.enqueued_at_ms,
          clientContext: r.client_context ?? undefined,
        });
      }
    }).immediate();
    return out;
  }

  async rescheduleAsync(id: string, attempts: number, dueAtMs: number): Promise<void> {
    this.st.resched.run(attempts, dueAtMs, id);
  }

  async deleteAsync(id: string): Promise<void> {
    this.st.delAsync.run(id);
  }

  async nextAsyncDueMs(): Promise<number | undefined> {
    const r = this.st.nextDue.get() as { t: number | null };
    return r.t ?? undefined;
  }

  async appendLogs(group: string, stream: string, events: LogEvent[]): Promise<void> {
    this.db.transaction(() => {
      for (const e of events) this.st.appendLog.run(group, stream, e.timestampMs, e.message);
    })();
  }

  async readLogs(
    group: string,
    opts: { stream?: string; sinceMs?: number; afterId?: number; limit: number; filter?: string },
  ): Promise<(LogEvent & { stream: string; id: number })[]> {
    const where = ['log_group = ?'];
    const args: unknown[] = [group];
    if (opts.stream) (where.push('log_stream = ?'), args.push(opts.stream));
    if (opts.sinceMs !== undefined) (where.push('ts_ms >= ?'), args.push(opts.sinceMs));
    if (opts.afterId !== undefined) (where.push('id > ?'), args.push(opts.afterId));
    if (opts.filter) (where.push("instr(message, ?) > 0"), args.push(opts.filter));
    // Newest `limit` events, returned oldest first.
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT id, log_stream, ts_ms, message FROM log_events WHERE ${where.join(' AND ')}
         ORDER BY id DESC LIMIT ?) ORDER BY id`,
      )
      .all(...args, opts.limit) as { id: number; log_stream: string; ts_ms: number; message: string }[];
    return rows.map((r) => ({ id: r.id, stream: r.log_stream, timestampMs: r.ts_ms, message: r.message }));
  }

  async deleteLogGroup(group: string): Promise<void> {
    this.st.delLogGroup.run(group);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

interface FnRow {
  name: string;
  created_at: string;
  record: string;
}
interface AsyncRow {
  id: string;
  function_name: string;
  qualifier: string;
  payload: Buffer;
  request_id: string;
  attempts: number;
  due_at_ms: number;
  enqueued_at_ms: number;
  client_context: string | null;
}

function toFunction(r: FnRow): FunctionRecord {
  return { name: r.name, createdAt: r.created_at, latest: JSON.parse(r.record) as VersionRecord };
}

const migrations: string[] = [
  `CREATE TABLE functions (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
   CREATE TABLE versions (
     function_name TEXT NOT NULL REFERENCES functions(name),
     version TEXT NOT NULL,
     record TEXT NOT NULL,
     revision_id TEXT NOT NULL,
     PRIMARY KEY (function_name, version));
   CREATE TABLE async_events (
     id TEXT PRIMARY KEY, function_name TEXT NOT NULL, qualifier TEXT NOT NULL, payload BLOB NOT NULL,
     request_id TEXT NOT NULL, attempts INTEGER NOT NULL, due_at_ms INTEGER NOT NULL,
     enqueued_at_ms INTEGER NOT NULL, client_context TEXT, lease_until_ms INTEGER NOT NULL);
   CREATE INDEX async_due ON async_events (due_at_ms);
   CREATE TABLE log_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
     ts_ms INTEGER NOT NULL, message TEXT NOT NULL);
   CREATE INDEX log_group_id ON log_events (log_group, id);`,
];

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
