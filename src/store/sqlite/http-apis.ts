import type Database from 'better-sqlite3';
import type { HttpApiRecord } from '../../http-apis/records';
import type { HttpApiStore } from '../../http-apis/store';

/** Migration that adds HTTP APIs (appended to `migrations` in sqlite-store.ts). */
export const httpApisMigration = `CREATE TABLE http_apis (api_id TEXT PRIMARY KEY, record TEXT NOT NULL);`;

/** HTTP APIs on SQLite (the metadata database): one row per API, changes in IMMEDIATE transactions. */
export class SqliteHttpApis implements HttpApiStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      insert: db.prepare('INSERT INTO http_apis (api_id, record) VALUES (?, ?) ON CONFLICT (api_id) DO NOTHING'),
      get: db.prepare('SELECT record FROM http_apis WHERE api_id = ?'),
      list: db.prepare('SELECT record FROM http_apis WHERE api_id > ? ORDER BY api_id LIMIT ?'),
      update: db.prepare('UPDATE http_apis SET record = ? WHERE api_id = ?'),
      del: db.prepare('DELETE FROM http_apis WHERE api_id = ?'),
    };
  }

  async createHttpApi(rec: HttpApiRecord): Promise<boolean> {
    return this.st.insert.run(rec.apiId, JSON.stringify(rec)).changes === 1;
  }

  async getHttpApi(apiId: string): Promise<HttpApiRecord | undefined> {
    const row = this.st.get.get(apiId) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as HttpApiRecord) : undefined;
  }

  async listHttpApis(afterId: string | undefined, limit: number): Promise<HttpApiRecord[]> {
    return (this.st.list.all(afterId ?? '', limit) as { record: string }[]).map((r) => JSON.parse(r.record) as HttpApiRecord);
  }

  async updateHttpApi(apiId: string, change: (cur: HttpApiRecord) => HttpApiRecord): Promise<HttpApiRecord | undefined> {
    let out: HttpApiRecord | undefined;
    this.db.transaction(() => {
      const row = this.st.get.get(apiId) as { record: string } | undefined;
      if (!row) return;
      const next = change(JSON.parse(row.record) as HttpApiRecord);
      this.st.update.run(JSON.stringify(next), apiId);
      out = next;
    }).immediate();
    return out;
  }

  async deleteHttpApi(apiId: string): Promise<boolean> {
    return this.st.del.run(apiId).changes === 1;
  }
}
