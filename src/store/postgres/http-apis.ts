import type pg from 'pg';
import type { HttpApiRecord } from '../../http-apis/records';
import type { HttpApiStore } from '../../http-apis/store';
import { inTransaction } from './pool';

/** Migration that adds HTTP APIs (appended to `migrations` in schema.ts). */
export const httpApisMigration = `CREATE TABLE http_apis (api_id text COLLATE "C" PRIMARY KEY, record text NOT NULL);`;

/**
 * HTTP APIs on PostgreSQL: one row per API; a change reads the row FOR
 * UPDATE, so two concurrent changes of one API (two CreateRoute calls)
 * apply one after the other and neither is lost.
 */
export class PostgresHttpApis implements HttpApiStore {
  constructor(private readonly pool: pg.Pool) {}

  async createHttpApi(rec: HttpApiRecord): Promise<boolean> {
    const r = await this.pool.query('INSERT INTO http_apis (api_id, record) VALUES ($1, $2) ON CONFLICT (api_id) DO NOTHING', [rec.apiId, JSON.stringify(rec)]);
    return r.rowCount === 1;
  }

  async getHttpApi(apiId: string): Promise<HttpApiRecord | undefined> {
    const r = await this.pool.query<{ record: string }>('SELECT record FROM http_apis WHERE api_id = $1', [apiId]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as HttpApiRecord) : undefined;
  }

  async listHttpApis(afterId: string | undefined, limit: number): Promise<HttpApiRecord[]> {
    const r = await this.pool.query<{ record: string }>('SELECT record FROM http_apis WHERE api_id > $1 ORDER BY api_id LIMIT $2', [afterId ?? '', limit]);
    return r.rows.map((x) => JSON.parse(x.record) as HttpApiRecord);
  }

  updateHttpApi(apiId: string, change: (cur: HttpApiRecord) => HttpApiRecord): Promise<HttpApiRecord | undefined> {
    return inTransaction(this.pool, async (c) => {
      const r = await c.query<{ record: string }>('SELECT record FROM http_apis WHERE api_id = $1 FOR UPDATE', [apiId]);
      if (!r.rows[0]) return undefined;
      const next = change(JSON.parse(r.rows[0].record) as HttpApiRecord);
      await c.query('UPDATE http_apis SET record = $2 WHERE api_id = $1', [apiId, JSON.stringify(next)]);
      return next;
    });
  }

  async deleteHttpApi(apiId: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM http_apis WHERE api_id = $1', [apiId])).rowCount === 1;
  }
}
