import type Database from 'better-sqlite3';
import type { FunctionPolicyRecord } from '../../domain/records';
import type { FunctionPolicyStore } from '../types';

/** Migration of the metadata database that adds function policies (appended to `migrations` in sqlite-store.ts). */
export const functionPoliciesMigration = `CREATE TABLE function_policies (
     function_name TEXT NOT NULL, qualifier TEXT NOT NULL, record TEXT NOT NULL, revision_id TEXT NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes a version's or an alias's policy; called inside `deleteVersion`'s and `deleteAlias`'s transactions. */
export const deleteQualifierPolicySql = 'DELETE FROM function_policies WHERE function_name = ? AND qualifier = ?';

/** Deletes a function's policies (every qualifier); called inside `deleteFunction`'s transaction. */
export const deleteFunctionPoliciesSql = 'DELETE FROM function_policies WHERE function_name = ?';

/**
 * Function policies on SQLite (the metadata database). A write is one
 * IMMEDIATE transaction holding the existence check of the function, version
 * or alias and the compare of the RevisionId, so it never lands on a
 * resource deleted meanwhile and two concurrent AddPermissions never both win.
 */
export class SqliteFunctionPolicies implements FunctionPolicyStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      fn: db.prepare('SELECT 1 FROM functions WHERE name = ?'),
      version: db.prepare("SELECT 1 FROM versions WHERE function_name = ? AND version = ? AND version <> '$LATEST'"),
      alias: db.prepare('SELECT 1 FROM aliases WHERE function_name = ? AND name = ?'),
      get: db.prepare('SELECT record, revision_id FROM function_policies WHERE function_name = ? AND qualifier = ?'),
      upsert: db.prepare(
        `INSERT INTO function_policies (function_name, qualifier, record, revision_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET record = excluded.record, revision_id = excluded.revision_id`,
      ),
      del: db.prepare(deleteQualifierPolicySql),
    };
  }

  async getFunctionPolicy(functionName: string, qualifier: string): Promise<FunctionPolicyRecord | undefined> {
    const row = this.st.get.get(functionName, qualifier) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as FunctionPolicyRecord) : undefined;
  }

  async putFunctionPolicy(rec: FunctionPolicyRecord, expectedRevisionId: string | undefined): Promise<'ok' | 'no-resource' | 'changed'> {
    let out: 'ok' | 'no-resource' | 'changed' = 'no-resource';
    this.db.transaction(() => {
      if (!this.exists(rec.functionName, rec.qualifier)) return;
      const cur = this.st.get.get(rec.functionName, rec.qualifier) as { revision_id: string } | undefined;
      if (cur?.revision_id !== expectedRevisionId) return void (out = 'changed');
      if (rec.statements.length) this.st.upsert.run(rec.functionName, rec.qualifier, JSON.stringify(rec), rec.revisionId);
      else this.st.del.run(rec.functionName, rec.qualifier);
      out = 'ok';
    }).immediate();
    return out;
  }

  private exists(functionName: string, qualifier: string): boolean {
    if (!this.st.fn.get(functionName)) return false;
    if (qualifier === '$LATEST') return true;
    return /^[0-9]+$/.test(qualifier) ? !!this.st.version.get(functionName, qualifier) : !!this.st.alias.get(functionName, qualifier);
  }
}
