import type pg from 'pg';
import type { FunctionUrlRecord } from '../../domain/records';
import type { FunctionUrlStore } from '../types';
import { inTransaction } from './pool';

/** Migration that adds function URL configs (appended to `migrations` in schema.ts). */
export const functionUrlsMigration = `CREATE TABLE function_urls (
     function_name text COLLATE "C" NOT NULL, qualifier text COLLATE "C" NOT NULL, url_id text NOT NULL UNIQUE, record text NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes an alias's URL config; run inside `deleteAlias`'s transaction, after the alias row. */
export const deleteQualifierFunctionUrlSql = 'DELETE FROM function_urls WHERE function_name = $1 AND qualifier = $2';

/** Deletes a function's URL configs; run inside `deleteFunction`'s transaction. */
export const deleteFunctionUrlsSql = 'DELETE FROM function_urls WHERE function_name = $1';

/**
 * Function URL configs on PostgreSQL. A create holds the function row (and
 * the alias row) FOR SHARE in its transaction, so a concurrent
 * DeleteFunction/DeleteAlias either runs first (the create finds nothing and
 * writes nothing) or waits until it committed and then deletes the config.
 * Two concurrent creates of one qualifier: the primary key lets one in, the
 * other is answered `exists`.
 */
export class PostgresFunctionUrls implements FunctionUrlStore {
  constructor(private readonly pool: pg.Pool) {}

  createFunctionUrl(rec: FunctionUrlRecord): Promise<'ok' | 'no-function' | 'exists'> {
    return inTransaction(this.pool, async (c) => {
      if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [rec.functionName])).rowCount) return 'no-function';
      if (rec.qualifier !== '$LATEST') {
        const a = await c.query('SELECT 1 FROM aliases WHERE function_name = $1 AND name = $2 FOR SHARE', [rec.functionName, rec.qualifier]);
        if (!a.rowCount) return 'no-function';
      }
      const r = await c.query(
        `INSERT INTO function_urls (function_name, qualifier, url_id, record) VALUES ($1, $2, $3, $4)
         ON CONFLICT (function_name, qualifier) DO NOTHING`,
        [rec.functionName, rec.qualifier, rec.urlId, JSON.stringify(rec)],
      );
      return r.rowCount === 1 ? 'ok' : 'exists';
    });
  }

  updateFunctionUrl(
    functionName: string,
    qualifier: string,
    merge: (cur: FunctionUrlRecord) => FunctionUrlRecord,
  ): Promise<FunctionUrlRecord | 'no-function' | 'no-config'> {
    return inTransaction(this.pool, async (c) => {
      if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [functionName])).rowCount) return 'no-function';
      // FOR UPDATE: a concurrent update of the same config waits and then merges into this one's result.
      const r = await c.query<{ record: string }>(
        'SELECT record FROM function_urls WHERE function_name = $1 AND qualifier = $2 FOR UPDATE',
        [functionName, qualifier],
      );
      if (!r.rows[0]) return 'no-config';
      const next = merge(JSON.parse(r.rows[0].record) as FunctionUrlRecord);
      await c.query('UPDATE function_urls SET record = $3 WHERE function_name = $1 AND qualifier = $2', [functionName, qualifier, JSON.stringify(next)]);
      return next;
    });
  }

  async getFunctionUrl(functionName: string, qualifier: string): Promise<FunctionUrlRecord | undefined> {
    const r = await this.pool.query<{ record: string }>('SELECT record FROM function_urls WHERE function_name = $1 AND qualifier = $2', [functionName, qualifier]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as FunctionUrlRecord) : undefined;
  }

  async getFunctionUrlById(urlId: string): Promise<FunctionUrlRecord | undefined> {
    const r = await this.pool.query<{ record: string }>('SELECT record FROM function_urls WHERE url_id = $1', [urlId]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as FunctionUrlRecord) : undefined;
  }

  async listFunctionUrls(functionName: string, afterQualifier: string | undefined, limit: number): Promise<FunctionUrlRecord[]> {
    const r = await this.pool.query<{ record: string }>(
      'SELECT record FROM function_urls WHERE function_name = $1 AND qualifier > $2 ORDER BY qualifier LIMIT $3',
      [functionName, afterQualifier ?? '', limit],
    );
    return r.rows.map((x) => JSON.parse(x.record) as FunctionUrlRecord);
  }

  async deleteFunctionUrl(functionName: string, qualifier: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM function_urls WHERE function_name = $1 AND qualifier = $2', [functionName, qualifier]);
    return r.rowCount === 1;
  }
}
