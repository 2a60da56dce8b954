import type pg from 'pg';
import type { ProvisionedConcurrencyRecord } from '../../domain/records';
import type { ProvisionedConcurrencyStore, ProvisionedPutResult } from '../types';
import { inTransaction } from './pool';
import { reservationLockKey } from './reserved-concurrency';

/** Migration that adds provisioned concurrency configs (appended to `migrations` in schema.ts). */
export const provisionedConcurrencyMigration = `CREATE TABLE provisioned_concurrency (
     function_name text COLLATE "C" NOT NULL REFERENCES functions(name), qualifier text COLLATE "C" NOT NULL,
     requested integer NOT NULL, last_modified_ms bigint NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes one qualifier's config; run inside `deleteVersion`'s and `deleteAlias`'s transactions. */
export const deleteQualifierProvisionedSql = 'DELETE FROM provisioned_concurrency WHERE function_name = $1 AND qualifier = $2';
/** Deletes a function's configs; run inside `deleteFunction`'s transaction. */
export const deleteFunctionProvisionedSql = 'DELETE FROM provisioned_concurrency WHERE function_name = $1';

interface Row { function_name: string; qualifier: string; requested: number; last_modified_ms: string }
const toRecord = (r: Row): ProvisionedConcurrencyRecord => ({
  functionName: r.function_name, qualifier: r.qualifier, requested: r.requested, lastModifiedMs: Number(r.last_modified_ms),
});

/**
 * Provisioned concurrency on PostgreSQL: a put holds the account-wide
 * reservation lock that reserved concurrency puts take too (the sums below
 * read both tables, and READ COMMITTED would let two writers each miss the
 * other's row), and the function and qualifier rows FOR SHARE, so a
 * concurrent delete either ran first or deletes the config after.
 */
export class PostgresProvisionedConcurrency implements ProvisionedConcurrencyStore {
  constructor(private readonly pool: pg.Pool) {}

  putProvisionedConcurrency(rec: ProvisionedConcurrencyRecord, reservableMax: number): Promise<ProvisionedPutResult> {
    const { functionName: fn, qualifier: q } = rec;
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [reservationLockKey]);
      if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [fn])).rowCount) return 'no-function';
      const ver = await c.query(`SELECT 1 FROM versions WHERE function_name = $1 AND version = $2 AND version <> '$LATEST' FOR SHARE`, [fn, q]);
      const alias = ver.rowCount ? ver : await c.query('SELECT 1 FROM aliases WHERE function_name = $1 AND name = $2 FOR SHARE', [fn, q]);
      if (!alias.rowCount) return 'no-qualifier';
      const overVersion = await c.query(
        `SELECT 1 FROM aliases a JOIN provisioned_concurrency p
           ON p.function_name = a.function_name AND p.qualifier = (a.record::json->>'functionVersion')
          WHERE a.function_name = $1 AND a.name = $2`, [fn, q],
      );
      if (overVersion.rowCount) return 'version-provisioned';
      const underAlias = await c.query(
        `SELECT 1 FROM aliases a JOIN provisioned_concurrency p ON p.function_name = a.function_name AND p.qualifier = a.name
          WHERE a.function_name = $1 AND (a.record::json->>'functionVersion') = $2`, [fn, q],
      );
      if (underAlias.rowCount) return 'alias-provisioned';
      const r = await c.query<{ reserved: number }>('SELECT reserved FROM function_concurrency WHERE function_name = $1', [fn]);
      const reserved = r.rows[0]?.reserved;
      if (reserved !== undefined) {
        const own = await c.query<{ n: string }>(
          'SELECT COALESCE(SUM(requested), 0)::bigint AS n FROM provisioned_concurrency WHERE function_name = $1 AND qualifier <> $2', [fn, q],
        );
        if (Number(own.rows[0]!.n) + rec.requested > reserved) return 'over-reserved';
      } else {
        const used = await c.query<{ n: string }>(
          `SELECT (SELECT COALESCE(SUM(reserved), 0) FROM function_concurrency)
                + (SELECT COALESCE(SUM(p.requested), 0) FROM provisioned_concurrency p
                    WHERE p.function_name NOT IN (SELECT function_name FROM function_concurrency)
                      AND NOT (p.function_name = $1 AND p.qualifier = $2))::bigint AS n`,
          [fn, q],
        );
        if (Number(used.rows[0]!.n) + rec.requested > reservableMax) return 'over-account';
      }
      await c.query(
        `INSERT INTO provisioned_concurrency (function_name, qualifier, requested, last_modified_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET requested = excluded.requested, last_modified_ms = excluded.last_modified_ms`,
        [fn, q, rec.requested, rec.lastModifiedMs],
      );
      return 'ok';
    });
  }

  async deleteProvisionedConcurrency(functionName: string, qualifier: string): Promise<boolean> {
    return (await this.pool.query(deleteQualifierProvisionedSql, [functionName, qualifier])).rowCount === 1;
  }

  async getProvisionedConcurrency(functionName: string, qualifier: string): Promise<ProvisionedConcurrencyRecord | undefined> {
    const r = await this.pool.query<Row>('SELECT * FROM provisioned_concurrency WHERE function_name = $1 AND qualifier = $2', [functionName, qualifier]);
    return r.rows[0] && toRecord(r.rows[0]);
  }

  async listProvisionedConcurrency(functionName?: string): Promise<ProvisionedConcurrencyRecord[]> {
    const r = functionName === undefined
      ? await this.pool.query<Row>('SELECT * FROM provisioned_concurrency ORDER BY function_name, qualifier')
      : await this.pool.query<Row>('SELECT * FROM provisioned_concurrency WHERE function_name = $1 ORDER BY qualifier', [functionName]);
    return r.rows.map(toRecord);
  }
}
