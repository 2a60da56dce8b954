import type Database from 'better-sqlite3';
import type { EventInvokeConfigRecord } from '../../domain/records';
import type { InvokeConfigStore } from '../types';

/** Migration of the metadata database that adds event invoke configs (appended to `migrations` in sqlite-store.ts). */
export const invokeConfigsMigration = `CREATE TABLE event_invoke_configs (
     function_name TEXT NOT NULL, qualifier TEXT NOT NULL, record TEXT NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes one qualifier's config; called inside `deleteVersion`'s and `deleteAlias`'s transactions. */
export const deleteQualifierInvokeConfigSql = 'DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?';

/** Deletes a function's configs; called inside `deleteFunction`'s transaction. */
export const deleteFunctionInvokeConfigsSql = 'DELETE FROM event_invoke_configs WHERE function_name = ?';

/**
 * Event invoke configs on SQLite (the metadata database). Each method is one
 * statement or one IMMEDIATE transaction, so a put never lands on a
 * function, version or alias deleted meanwhile.
 */
export class SqliteInvokeConfigs implements InvokeConfigStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      fn: db.prepare('SELECT 1 FROM functions WHERE name = ?'),
      ver: db.prepare('SELECT 1 FROM versions WHERE function_name = ? AND version = ?'),
      alias: db.prepare('SELECT 1 FROM aliases WHERE function_name = ? AND name = ?'),
      upsert: db.prepare(
        `INSERT INTO event_invoke_configs (function_name, qualifier, record) VALUES (?, ?, ?)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET record = excluded.record`,
      ),
      get: db.prepare('SELECT record FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?'),
      list: db.prepare('SELECT record FROM event_invoke_configs WHERE function_name = ? AND qualifier > ? ORDER BY qualifier LIMIT ?'),
      del: db.prepare('DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?'),
    };
  }

  /** Inside a transaction: whether the function and the qualifier exist. */
  private exists(name: string, qualifier: string): boolean {
    if (!this.st.fn.get(name)) return false;
    if (qualifier === '$LATEST' || /^[0-9]+$/.test(qualifier)) return this.st.ver.get(name, qualifier) !== undefined;
    return this.st.alias.get(name, qualifier) !== undefined;
  }

  async putInvokeConfig(rec: EventInvokeConfigRecord): Promise<'ok' | 'no-function'> {
    let out: 'ok' | 'no-function' = 'no-function';
    this.db.transaction(() => {
      if (!this.exists(rec.functionName, rec.qualifier)) return;
      this.st.upsert.run(rec.functionName, rec.qualifier, JSON.stringify(rec));
      out = 'ok';
    }).immediate();
    return out;
  }

  async updateInvokeConfig(
    functionName: string,
    qualifier: string,
    merge: (cur: EventInvokeConfigRecord) => EventInvokeConfigRecord,
  ): Promise<EventInvokeConfigRecord | 'no-function' | 'no-config'> {
    let out: EventInvokeConfigRecord | 'no-function' | 'no-config' = 'no-function';
    this.db.transaction(() => {
      if (!this.st.fn.get(functionName)) return;
      const row = this.st.get.get(functionName, qualifier) as { record: string } | undefined;
      if (!row) return void (out = 'no-config');
      const next = merge(JSON.parse(row.record) as EventInvokeConfigRecord);
      this.st.upsert.run(functionName, qualifier, JSON.stringify(next));
      out = next;
    }).immediate();
    return out;
  }

  async getInvokeConfig(functionName: string, qualifier: string): Promise<EventInvokeConfigRecord | undefined> {
    const row = this.st.get.get(functionName, qualifier) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as EventInvokeConfigRecord) : undefined;
  }

  async listInvokeConfigs(functionName: string, afterQualifier: string | undefined, limit: number): Promise<EventInvokeConfigRecord[]> {
    return (this.st.list.all(functionName, afterQualifier ?? '', limit) as { record: string }[]).map(
      (r) => JSON.parse(r.record) as EventInvokeConfigRecord,
    );
  }

  async deleteInvokeConfig(functionName: string, qualifier: string): Promise<boolean> {
    return this.st.del.run(functionName, qualifier).changes === 1;
  }
}
