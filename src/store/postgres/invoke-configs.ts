import type pg from 'pg';
import type { EventInvokeConfigRecord } from '../../domain/records';
import type { InvokeConfigStore } from '../types';
import { inTransaction } from './pool';

/** Migration that adds event invoke configs (appended to `migrations` in schema.ts). */
export const invokeConfigsMigration = `CREATE TABLE event_invoke_configs (
     function_name text COLLATE "C" NOT NULL, qualifier text COLLATE "C" NOT NULL, record text NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes one qualifier's config; run inside `deleteVersion`'s and `deleteAlias`'s transactions, after the version or alias row. */
export const deleteQualifierInvokeConfigSql = 'DELETE FROM event_invoke_configs WHERE function_name = $1 AND qualifier = $2';

/** Deletes a function's configs; run inside `deleteFunction`'s transaction. */
export const deleteFunctionInvokeConfigsSql = 'DELETE FROM event_invoke_configs WHERE function_name = $1';

/**
 * Event invoke configs on PostgreSQL. A put or update holds the function
 * row (and the version or alias row) FOR SHARE in its transaction, so a
 * concurrent DeleteFunction/DeleteAlias either runs first (the put finds
 * nothing and writes nothing) or waits until the put committed and then
 * deletes the config with the function.
 */
export class PostgresInvokeConfigs implements InvokeConfigStore {
  constructor(private readonly pool: pg.Pool) {}

  private async exists(c: pg.PoolClient, name: string, qualifier: string): Promise<boolean> {
    if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [name])).rowCount) return false;
    const r = qualifier === '$LATEST' || /^[0-9]+$/.test(qualifier)
      ? await c.query('SELECT 1 FROM versions WHERE function_name = $1 AND version = $2 FOR SHARE', [name, qualifier])
      : await c.query('SELECT 1 FROM aliases WHERE function_name = $1 AND name = $2 FOR SHARE', [name, qualifier]);
    return (r.rowCount ?? 0) > 0;
  }

  putInvokeConfig(rec: EventInvokeConfigRecord): Promise<'ok' | 'no-function'> {
    return inTransaction(this.pool, async (c) => {
      if (!(await this.exists(c, rec.functionName, rec.qualifier))) return 'no-function';
      await c.query(
        `INSERT INTO event_invoke_configs (function_name, qualifier, record) VALUES ($1, $2, $3)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET record = excluded.record`,
        [rec.functionName, rec.qualifier, JSON.stringify(rec)],
      );
      return 'ok';
    });
  }

  updateInvokeConfig(
    functionName: string,
    qualifier: string,
    merge: (cur: EventInvokeConfigRecord) => EventInvokeConfigRecord,
  ): Promise<EventInvokeConfigRecord | 'no-function' | 'no-config'> {
    return inTransaction(this.pool, async (c) => {
      if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [functionName])).rowCount) return 'no-function';
      // FOR UPDATE: a concurrent update of the same config waits and then merges into this one's result.
      const r = await c.query<{ record: string }>(
        'SELECT record FROM event_invoke_configs WHERE function_name = $1 AND qualifier = $2 FOR UPDATE',
        [functionName, qualifier],
      );
      if (!r.rows[0]) return 'no-config';
      const next = merge(JSON.parse(r.rows[0].record) as EventInvokeConfigRecord);
      await c.query('UPDATE event_invoke_configs SET record = $3 WHERE function_name = $1 AND qualifier = $2', [
        functionName, qualifier, JSON.stringify(next),
      ]);
      return next;
    });
  }

  async getInvokeConfig(functionName: string, qualifier: string): Promise<EventInvokeConfigRecord | undefined> {
    const r = await this.pool.query<{ record: string }>(
      'SELECT record FROM event_invoke_configs WHERE function_name = $1 AND qualifier = $2',
      [functionName, qualifier],
    );
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as EventInvokeConfigRecord) : undefined;
  }

  async listInvokeConfigs(functionName: string, afterQualifier: string | undefined, limit: number): Promise<EventInvokeConfigRecord[]> {
    const r = await this.pool.query<{ record: string }>(
      'SELECT record FROM event_invoke_configs WHERE function_name = $1 AND qualifier > $2 ORDER BY qualifier LIMIT $3',
      [functionName, afterQualifier ?? '', limit],
    );
    return r.rows.map((x) => JSON.parse(x.record) as EventInvokeConfigRecord);
  }

  async deleteInvokeConfig(functionName: string, qualifier: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM event_invoke_configs WHERE function_name = $1 AND qualifier = $2', [functionName, qualifier]);
    return r.rowCount === 1;
  }
}
