import type Database from 'better-sqlite3';
import type { ProvisionedConcurrencyRecord } from '../../domain/records';
import type { ProvisionedConcurrencyStore, ProvisionedPutResult } from '../types';

/** Migration of the metadata database that adds provisioned concurrency configs (appended to `migrations` in sqlite-store.ts). */
export const provisionedConcurrencyMigration = `CREATE TABLE provisioned_concurrency (
     function_name TEXT NOT NULL REFERENCES functions(name), qualifier TEXT NOT NULL,
     requested INTEGER NOT NULL, last_modified_ms INTEGER NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes one qualifier's config; called inside `deleteVersion`'s and `deleteAlias`'s transactions. */
export const deleteQualifierProvisionedSql = 'DELETE FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?';
/** Deletes a function's configs; called inside `deleteFunction`'s transaction. */
export const deleteFunctionProvisionedSql = 'DELETE FROM provisioned_concurrency WHERE function_name = ?';

interface Row { function_name: string; qualifier: string; requested: number; last_modified_ms: number }
const toRecord = (r: Row): ProvisionedConcurrencyRecord => ({
  functionName: r.function_name, qualifier: r.qualifier, requested: r.requested, lastModifiedMs: r.last_modified_ms,
});

/**
 * Provisioned concurrency on SQLite. A put is one IMMEDIATE transaction that
 * checks the qualifier and the function's or the account's share and writes
 * only when it fits: SQLite runs one writer at a time, and reserved
 * concurrency puts take the same write lock, so no two writes can both take
 * the last units.
 */
export class SqliteProvisionedConcurrency implements ProvisionedConcurrencyStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      fn: db.prepare('SELECT 1 FROM functions WHERE name = ?'),
      ver: db.prepare(`SELECT 1 FROM versions WHERE function_name = ? AND version = ? AND version <> '$LATEST'`),
      alias: db.prepare('SELECT 1 FROM aliases WHERE function_name = ? AND name = ?'),
      reserved: db.prepare('SELECT reserved FROM function_concurrency WHERE function_name = ?'),
      aliasVersionProvisioned: db.prepare(
        `SELECT 1 FROM aliases a JOIN provisioned_concurrency p
           ON p.function_name = a.function_name AND p.qualifier = json_extract(a.record, '$.functionVersion')
          WHERE a.function_name = ? AND a.name = ?`,
      ),
      versionAliasProvisioned: db.prepare(
        `SELECT 1 FROM aliases a JOIN provisioned_concurrency p ON p.function_name = a.function_name AND p.qualifier = a.name
          WHERE a.function_name = ? AND json_extract(a.record, '$.functionVersion') = ?`,
      ),
      ownOthers: db.prepare('SELECT COALESCE(SUM(requested), 0) AS n FROM provisioned_concurrency WHERE function_name = ? AND qualifier <> ?'),
      reservedSum: db.prepare('SELECT COALESCE(SUM(reserved), 0) AS n FROM function_concurrency'),
      // Provisioned concurrency of the functions without a reservation (it comes out of the unreserved share), except this config.
      unreservedProvisioned: db.prepare(
        `SELECT COALESCE(SUM(p.requested), 0) AS n FROM provisioned_concurrency p
          WHERE p.function_name NOT IN (SELECT function_name FROM function_concurrency)
            AND NOT (p.function_name = ? AND p.qualifier = ?)`,
      ),
      upsert: db.prepare(
        `INSERT INTO provisioned_concurrency (function_name, qualifier, requested, last_modified_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET requested = excluded.requested, last_modified_ms = excluded.last_modified_ms`,
      ),
      get: db.prepare('SELECT * FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?'),
      listFn: db.prepare('SELECT * FROM provisioned_concurrency WHERE function_name = ? ORDER BY qualifier'),
      listAll: db.prepare('SELECT * FROM provisioned_concurrency ORDER BY function_name, qualifier'),
      del: db.prepare(deleteQualifierProvisionedSql),
    };
  }

  async putProvisionedConcurrency(rec: ProvisionedConcurrencyRecord, reservableMax: number): Promise<ProvisionedPutResult> {
    let out: ProvisionedPutResult = 'no-function';
    const { functionName: fn, qualifier: q } = rec;
    this.db.transaction(() => {
      if (!this.st.fn.get(fn)) return;
      if (!this.st.ver.get(fn, q) && !this.st.alias.get(fn, q)) {
        out = 'no-qualifier';
        return;
      }
      if (this.st.aliasVersionProvisioned.get(fn, q)) {
        out = 'version-provisioned';
        return;
      }
      if (this.st.versionAliasProvisioned.get(fn, q)) {
        out = 'alias-provisioned';
        return;
      }
      const reserved = (this.st.reserved.get(fn) as { reserved: number } | undefined)?.reserved;
      if (reserved !== undefined) {
        if ((this.st.ownOthers.get(fn, q) as { n: number }).n + rec.requested > reserved) {
          out = 'over-reserved';
          return;
        }
      } else {
        const used = (this.st.reservedSum.get() as { n: number }).n + (this.st.unreservedProvisioned.get(fn, q) as { n: number }).n;
        if (used + rec.requested > reservableMax) {
          out = 'over-account';
          return;
        }
      }
      this.st.upsert.run(fn, q, rec.requested, rec.lastModifiedMs);
      out = 'ok';
    }).immediate();
    return out;
  }

  async deleteProvisionedConcurrency(functionName: string, qualifier: string): Promise<boolean> {
    return this.st.del.run(functionName, qualifier).changes === 1;
  }

  async getProvisionedConcurrency(functionName: string, qualifier: string): Promise<ProvisionedConcurrencyRecord | undefined> {
    const r = this.st.get.get(functionName, qualifier) as Row | undefined;
    return r && toRecord(r);
  }

  async listProvisionedConcurrency(functionName?: string): Promise<ProvisionedConcurrencyRecord[]> {
    const rows = (functionName === undefined ? this.st.listAll.all() : this.st.listFn.all(functionName)) as Row[];
    return rows.map(toRecord);
  }
}
