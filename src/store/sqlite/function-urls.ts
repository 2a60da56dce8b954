import type Database from 'better-sqlite3';
import type { FunctionUrlRecord } from '../../domain/records';
import type { FunctionUrlStore } from '../types';

/** Migration of the metadata database that adds function URL configs (appended to `migrations` in sqlite-store.ts). */
export const functionUrlsMigration = `CREATE TABLE function_urls (
     function_name TEXT NOT NULL, qualifier TEXT NOT NULL, url_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes an alias's URL config; called inside `deleteAlias`'s transaction. */
export const deleteQualifierFunctionUrlSql = 'DELETE FROM function_urls WHERE function_name = ? AND qualifier = ?';

/** Deletes a function's URL configs; called inside `deleteFunction`'s transaction. */
export const deleteFunctionUrlsSql = 'DELETE FROM function_urls WHERE function_name = ?';

/**
 * Function URL configs on SQLite (the metadata database). A create is one
 * IMMEDIATE transaction with its existence checks, so it never lands on a
 * function or alias deleted meanwhile.
 */
export class SqliteFunctionUrls implements FunctionUrlStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      fn: db.prepare('SELECT 1 FROM functions WHERE name = ?'),
      alias: db.prepare('SELECT 1 FROM aliases WHERE function_name = ? AND name = ?'),
      insert: db.prepare('INSERT INTO function_urls (function_name, qualifier, url_id, record) VALUES (?, ?, ?, ?)'),
      update: db.prepare('UPDATE function_urls SET record = ? WHERE function_name = ? AND qualifier = ?'),
      get: db.prepare('SELECT record FROM function_urls WHERE function_name = ? AND qualifier = ?'),
      byId: db.prepare('SELECT record FROM function_urls WHERE url_id = ?'),
      list: db.prepare('SELECT record FROM function_urls WHERE function_name = ? AND qualifier > ? ORDER BY qualifier LIMIT ?'),
      del: db.prepare('DELETE FROM function_urls WHERE function_name = ? AND qualifier = ?'),
    };
  }

  async createFunctionUrl(rec: FunctionUrlRecord): Promise<'ok' | 'no-function' | 'exists'> {
    let out: 'ok' | 'no-function' | 'exists' = 'no-function';
    this.db.transaction(() => {
      if (!this.st.fn.get(rec.functionName)) return;
      if (rec.qualifier !== '$LATEST' && !this.st.alias.get(rec.functionName, rec.qualifier)) return;
      if (this.st.get.get(rec.functionName, rec.qualifier)) return void (out = 'exists');
      this.st.insert.run(rec.functionName, rec.qualifier, rec.urlId, JSON.stringify(rec));
      out = 'ok';
    }).immediate();
    return out;
  }

  async updateFunctionUrl(
    functionName: string,
    qualifier: string,
    merge: (cur: FunctionUrlRecord) => FunctionUrlRecord,
  ): Promise<FunctionUrlRecord | 'no-function' | 'no-config'> {
    let out: FunctionUrlRecord | 'no-function' | 'no-config' = 'no-function';
    this.db.transaction(() => {
      if (!this.st.fn.get(functionName)) return;
      const row = this.st.get.get(functionName, qualifier) as { record: string } | undefined;
      if (!row) return void (out = 'no-config');
      const next = merge(JSON.parse(row.record) as FunctionUrlRecord);
      this.st.update.run(JSON.stringify(next), functionName, qualifier);
      out = next;
    }).immediate();
    return out;
  }

  async getFunctionUrl(functionName: string, qualifier: string): Promise<FunctionUrlRecord | undefined> {
    const row = this.st.get.get(functionName, qualifier) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as FunctionUrlRecord) : undefined;
  }

  async getFunctionUrlById(urlId: string): Promise<FunctionUrlRecord | undefined> {
    const row = this.st.byId.get(urlId) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as FunctionUrlRecord) : undefined;
  }

  async listFunctionUrls(functionName: string, afterQualifier: string | undefined, limit: number): Promise<FunctionUrlRecord[]> {
    return (this.st.list.all(functionName, afterQualifier ?? '', limit) as { record: string }[]).map((r) => JSON.parse(r.record) as FunctionUrlRecord);
  }

  async deleteFunctionUrl(functionName: string, qualifier: string): Promise<boolean> {
    return this.st.del.run(functionName, qualifier).changes === 1;
  }
}
