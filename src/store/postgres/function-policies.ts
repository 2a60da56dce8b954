import type pg from 'pg';
import type { FunctionPolicyRecord } from '../../domain/records';
import type { FunctionPolicyStore } from '../types';
import { inTransaction } from './pool';

/** Migration that adds function policies (appended to `migrations` in schema.ts). */
export const functionPoliciesMigration = `CREATE TABLE function_policies (
     function_name text COLLATE "C" NOT NULL, qualifier text COLLATE "C" NOT NULL, record text NOT NULL, revision_id text NOT NULL,
     PRIMARY KEY (function_name, qualifier));`;

/** Deletes a version's or an alias's policy; run inside `deleteVersion`'s and `deleteAlias`'s transactions. */
export const deleteQualifierPolicySql = 'DELETE FROM function_policies WHERE function_name = $1 AND qualifier = $2';

/** Deletes a function's policies; run inside `deleteFunction`'s transaction, after the function row's lock. */
export const deleteFunctionPoliciesSql = 'DELETE FROM function_policies WHERE function_name = $1';

/**
 * Function policies on PostgreSQL. A write holds the function row (and the
 * alias row) FOR SHARE, so DeleteFunction / the deletion of a version (which
 * lock the function row FOR UPDATE) and DeleteAlias either run first (the
 * write finds nothing and writes nothing) or wait and then delete the
 * policy. The RevisionId compare is in the statement itself (INSERT … ON
 * CONFLICT DO NOTHING when there was no policy, UPDATE/DELETE … WHERE
 * revision_id = the expected one): of two concurrent AddPermissions, one
 * matches and the other changes nothing and is answered `changed`.
 */
export class PostgresFunctionPolicies implements FunctionPolicyStore {
  constructor(private readonly pool: pg.Pool) {}

  async getFunctionPolicy(functionName: string, qualifier: string): Promise<FunctionPolicyRecord | undefined> {
    const r = await this.pool.query<{ record: string }>('SELECT record FROM function_policies WHERE function_name = $1 AND qualifier = $2', [functionName, qualifier]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as FunctionPolicyRecord) : undefined;
  }

  putFunctionPolicy(rec: FunctionPolicyRecord, expectedRevisionId: string | undefined): Promise<'ok' | 'no-resource' | 'changed'> {
    return inTransaction(this.pool, async (c) => {
      const fn = rec.functionName;
      const q = rec.qualifier;
      if (!(await c.query('SELECT 1 FROM functions WHERE name = $1 FOR SHARE', [fn])).rowCount) return 'no-resource';
      if (q !== '$LATEST') {
        const sql = /^[0-9]+$/.test(q)
          ? "SELECT 1 FROM versions WHERE function_name = $1 AND version = $2 AND version <> '$LATEST'"
          : 'SELECT 1 FROM aliases WHERE function_name = $1 AND name = $2 FOR SHARE';
        if (!(await c.query(sql, [fn, q])).rowCount) return 'no-resource';
      }
      const text = JSON.stringify(rec);
      let r: pg.QueryResult;
      if (expectedRevisionId === undefined) {
        if (!rec.statements.length) {
          return (await c.query('SELECT 1 FROM function_policies WHERE function_name = $1 AND qualifier = $2', [fn, q])).rowCount ? 'changed' : 'ok';
        }
        r = await c.query(
          'INSERT INTO function_policies (function_name, qualifier, record, revision_id) VALUES ($1, $2, $3, $4) ON CONFLICT (function_name, qualifier) DO NOTHING',
          [fn, q, text, rec.revisionId],
        );
      } else if (rec.statements.length) {
        r = await c.query(
          'UPDATE function_policies SET record = $3, revision_id = $4 WHERE function_name = $1 AND qualifier = $2 AND revision_id = $5',
          [fn, q, text, rec.revisionId, expectedRevisionId],
        );
      } else {
        r = await c.query('DELETE FROM function_policies WHERE function_name = $1 AND qualifier = $2 AND revision_id = $3', [fn, q, expectedRevisionId]);
      }
      return r.rowCount === 1 ? 'ok' : 'changed';
    });
  }
}
