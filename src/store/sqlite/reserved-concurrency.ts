import type Database from 'better-sqlite3';
import type { ReservedConcurrencyStore } from '../types';

/** Migration of the metadata database that adds reserved concurrency (appended to `migrations` in sqlite-store.ts). */
export const reservedConcurrencyMigration = `CREATE TABLE function_concurrency (
     function_name TEXT PRIMARY KEY REFERENCES functions(name), reserved INTEGER NOT NULL);`;

/** Deletes a function's reservation; called inside `deleteFunction`'s transaction. */
export const deleteFunctionConcurrencySql = 'DELETE FROM function_concurrency WHERE function_name = ?';

/**
 * Reserved concurrency on SQLite. A put is one IMMEDIATE transaction that
 * sums the other functions' reservations and writes only when the account
 * still has room: SQLite runs one writer at a time, so two puts can never
 * both take the last units.
 */
export class SqliteReservedConcurrency implements ReservedConcurrencyStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      fn: db.prepare('SELECT 1 FROM functions WHERE name = ?'),
      othersSum: db.prepare('SELECT COALESCE(SUM(reserved), 0) AS n FROM function_concurrency WHERE function_name <> ?'),
      upsert: db.prepare(
        `INSERT INTO function_concurrency (function_name, reserved) VALUES (?, ?)
         ON CONFLICT (function_name) DO UPDATE SET reserved = excluded.reserved`,
      ),
      get: db.prepare('SELECT reserved FROM function_concurrency WHERE function_name = ?'),
      all: db.prepare('SELECT function_name AS name, reserved FROM function_concurrency'),
      del: db.prepare(deleteFunctionConcurrencySql),
    };
  }

  async putReservedConcurrency(name: string, reserved: number, reservableMax: number): Promise<'ok' | 'no-function' | 'over-limit'> {
    let out: 'ok' | 'no-function' | 'over-limit' = 'no-function';
    this.db.transaction(() => {
      if (!this.st.fn.get(name)) return;
      const others = (this.st.othersSum.get(name) as { n: number }).n;
      if (others + reserved > reservableMax) {
        out = 'over-limit';
        return;
      }
      this.st.upsert.run(name, reserved);
      out = 'ok';
    }).immediate();
    return out;
  }

  async deleteReservedConcurrency(name: string): Promise<boolean> {
    let exists = false;
    this.db.transaction(() => {
      exists = this.st.fn.get(name) !== undefined;
      this.st.del.run(name);
    }).immediate();
    return exists;
  }

  async getReservedConcurrency(name: string): Promise<number | undefined> {
    return (this.st.get.get(name) as { reserved: number } | undefined)?.reserved;
  }

  async listReservedConcurrency(): Promise<Map<string, number>> {
    return new Map((this.st.all.all() as { name: string; reserved: number }[]).map((r) => [r.name, r.reserved]));
  }
}
