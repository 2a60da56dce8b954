/**
 * What the database did while the warm phases ran, per store mode: the rule
 * is that a warm synchronous invoke touches no database (ARCHITECTURE.md,
 * `src/invoke/`): its version comes from the in-memory cache, its log lines
 * go to the batched sink. So during the warm phase the metadata and queue
 * tables must see no statement at all, whatever the number of invokes;
 * log appends (a few per second, batched) and the queue owner's heartbeat
 * (every 10 s) are expected.
 *
 * PostgreSQL: `pg_stat_statements` (the throwaway server preloads it),
 * calls per statement of the server's database, diffed over the phase and
 * classified by the tables a statement names. It counts at each
 * statement's end, so nothing is missed or late (pg_stat_database's
 * counters are flushed by idle backends only after seconds).
 * SQLite: the metadata database's files (`kumo.db` and its WAL: size and
 * mtime) must not change; this sees writes only, reads leave no trace.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export type StoreMode = 'sqlite' | 'postgres';

/** Statement kinds, by the tables a statement names (first match wins). */
const kinds: [kind: StatementKind, re: RegExp][] = [
  ['metadata', /\b(functions|versions|aliases|layers|layer_versions)\b/i],
  ['queue owners', /\basync_owners\b/i],
  ['queue', /\basync_events\b/i],
  ['logs', /\blog_(events|streams|groups|flush)\b/i],
];
export type StatementKind = 'metadata' | 'queue owners' | 'queue' | 'logs' | 'other';
/** Kinds the warm invoke path must never cause (the owner heartbeat and its sweep of dead owners' leases are periodic, not per invoke). */
const forbidden: StatementKind[] = ['metadata', 'queue'];

export interface WarmDbUse {
  database: StoreMode;
  /** PostgreSQL: statements per kind during the phase (transaction control and LISTEN are "other"). */
  statements?: Partial<Record<StatementKind, number>>;
  /** SQLite: whether the metadata database's files changed. */
  metadataFilesChanged?: boolean;
  /** False when a statement or write the warm invoke path must not cause was seen. */
  ok: boolean;
  detail: string;
}

export interface WarmDbProbe {
  finish(): Promise<WarmDbUse>;
}

/** Loads pg_stat_statements into the server's `postgres` database (the harness's own, not Kumo's). */
export async function enableStatementCounts(adminUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  } finally {
    await c.end();
  }
}

/** Starts watching `database` of the server at `adminUrl`; `finish` diffs. */
export async function watchPostgres(adminUrl: string, database: string): Promise<WarmDbProbe> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  const snapshot = async () => {
    const r = await c.query<{ id: string; query: string; calls: string }>(
      `SELECT s.queryid::text AS id, s.query, s.calls::text AS calls
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`,
      [database],
    );
    return new Map(r.rows.map((x) => [x.id, { query: x.query, calls: Number(x.calls) }]));
  };
  const before = await snapshot().catch(async (e: unknown) => {
    await c.end();
    throw e;
  });
  return {
    async finish() {
      try {
        const after = await snapshot();
        const statements: Partial<Record<StatementKind, number>> = {};
        const offenders: string[] = [];
        for (const [id, a] of after) {
          const n = a.calls - (before.get(id)?.calls ?? 0);
          if (n <= 0) continue;
          const kind = kinds.find(([, re]) => re.test(a.query))?.[0] ?? 'other';
          statements[kind] = (statements[kind] ?? 0) + n;
          if (forbidden.includes(kind)) offenders.push(`${n}× ${a.query.replace(/\s+/g, ' ').slice(0, 120)}`);
        }
        const list = Object.entries(statements).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
        return {
          database: 'postgres',
          statements,
          ok: offenders.length === 0,
          detail: `statements during the warm phase: ${list}${offenders.length ? `; on the invoke path's tables: ${offenders.join(' | ')}` : ''}`,
        };
      } finally {
        await c.end();
      }
    },
  };
}

/** Starts watching a SQLite data dir's metadata database files. */
export function watchSqlite(dataDir: string): WarmDbProbe {
  const files = ['kumo.db', 'kumo.db-wal'].map((f) => path.join(dataDir, f));
  const stat = () => files.map((f) => {
    try {
      const s = fs.statSync(f);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return 'absent';
    }
  });
  const before = stat();
  return {
    async finish() {
      const after = stat();
      const changed = files.filter((_, i) => before[i] !== after[i]).map((f) => path.basename(f));
      return {
        database: 'sqlite',
        metadataFilesChanged: changed.length > 0,
        ok: changed.length === 0,
        detail: changed.length ? `metadata database written during the warm phase: ${changed.join(', ')} changed` : 'metadata database files (kumo.db, kumo.db-wal) unchanged during the warm phase (writes; reads leave no trace)',
      };
    },
  };
}
