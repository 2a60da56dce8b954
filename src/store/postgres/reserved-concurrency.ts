import type pg from 'pg';
import type { ReservedConcurrencyStore } from '../types';
import { inTransaction } from './pool';

/** Migration that adds reserved concurrency (appended to `migrations` in schema.ts). */
export const reservedConcurrencyMigration = `CREATE TABLE function_concurrency (
     function_name text COLLATE "C" PRIMARY KEY REFERENCES functions(name), reserved integer NOT NULL);`;

/** Deletes a function's reservation; run inside `deleteFunction`'s transaction, after it locked the function row. */
export const deleteFunctionConcurrencySql = 'DELETE FROM function_concurrency WHERE function_name = $1';

/**
 * The transaction-scoped advisory lock every put takes first. Under READ
 * COMMITTED two puts for *different* functions would each sum the other
 * reservations without seeing the other's insert and could both take the
 * last units; holding one lock for the check-and-write serialises them.
 * (Any constant works; this one spells "kumo-rc".)
 */
export const reservationLockKey = 0x6b756d6f7263;

/**
 * Reserved concurrency on PostgreSQL: a put holds the account-wide
 * reservation lock and the function row FOR SHARE (a concurrent
 * DeleteFunction either ran first, or waits and then deletes the
 * reservation with the function) while it sums and writes.
 */
export class PostgresReservedConcurrency implements ReservedConcurrencyStore {
  constructor(private readonly pool: pg.Pool) {}

  putReservedConcurrency(name: string, reserved: number, reservableMax: number): Promise<'ok' | 'no-function' | 'over-limit'> {
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [reservationLockKey]);
      if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [name])).rowCount) return 'no-function';
      const r = await c.query<{ n: string }>(
        'SELECT COALESCE(SUM(reserved), 0)::bigint AS n FROM function_concurrency WHERE function_name <> $1', [name],
      );
      if (Number(r.rows[0]!.n) + reserved > reservableMax) return 'over-limit';
      await c.query(
        `INSERT INTO function_concurrency (function_name, reserved) VALUES ($1, $2)
         ON CONFLICT (function_name) DO UPDATE SET reserved = excluded.reserved`,
        [name, reserved],
      );
      return 'ok';
    });
  }

  deleteReservedConcurrency(name: string): Promise<boolean> {
    return inTransaction(this.pool, async (c) => {
      if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [name])).rowCount) return false;
      await c.query(deleteFunctionConcurrencySql, [name]);
      return true;
    });
  }

  async getReservedConcurrency(name: string): Promise<number | undefined> {
    const r = await this.pool.query<{ reserved: number }>('SELECT reserved FROM function_concurrency WHERE function_name = $1', [name]);
    return r.rows[0]?.reserved;
  }

  async listReservedConcurrency(): Promise<Map<string, number>> {
    const r = await this.pool.query<{ name: string; reserved: number }>('SELECT function_name AS name, reserved FROM function_concurrency');
    return new Map(r.rows.map((x) => [x.name, x.reserved]));
  }
}
