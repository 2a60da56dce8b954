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
 * SQLite: the same tables' content (metadata, async_events) must not
 * change; the database files' changes (the periodic metrics flush, the
 * queue owner's heartbeat: PostgreSQL's "other") are shown, not judged.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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
  /** SQLite: whether the metadata database's files changed (informational: periodic writes change them too). */
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

/** The tables a warm invoke must not write on SQLite: the same kinds as `forbidden` on PostgreSQL (metadata, queue). */
const sqliteForbiddenTables = ['functions', 'versions', 'aliases', 'layers', 'layer_versions', 'async_events'] as const;

/**
 * Starts watching a SQLite data dir's metadata database: the content of the
 * tables the warm invoke path must not write (`sqliteForbiddenTables`, what
 * PostgreSQL's `forbidden` kinds are), read through a read-only connection
 * (WAL: beside the live server) and hashed row by row before and after. The
 * database files' own changes (the periodic metrics flush, the queue owner's
 * heartbeat: "other" on PostgreSQL) are reported, not judged.
 */
export function watchSqlite(dataDir: string): WarmDbProbe {
  const file = path.join(dataDir, 'kumo.db');
  const files = [file, `${file}-wal`];
  const stat = () => files.map((f) => {
    try {
      const s = fs.statSync(f);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return 'absent';
    }
  });
  const contents = (): Map<string, string> => {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const out = new Map<string, string>();
      for (const t of sqliteForbiddenTables) {
        const h = createHash('sha256');
        let rows = 0;
        for (const r of db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).iterate()) {
          h.update(JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'bigint' ? String(v) : v)));
          rows++;
        }
        out.set(t, `${rows}:${h.digest('hex')}`);
      }
      return out;
    } finally {
      db.close();
    }
  };
  const beforeFiles = stat();
  const before = contents();
  return {
    async finish() {
      const after = contents();
      const changedFiles = files.filter((_, i) => beforeFiles[i] !== stat()[i]).map((f) => path.basename(f));
      const written = sqliteForbiddenTables.filter((t) => before.get(t) !== after.get(t));
      const files_ = changedFiles.length ? `database files changed: ${changedFiles.join(', ')} (metrics flush, queue owner heartbeat)` : 'database files unchanged';
      return {
        database: 'sqlite',
        metadataFilesChanged: changedFiles.length > 0,
        ok: written.length === 0,
        detail: written.length
          ? `written during the warm phase, on the invoke path's tables: ${written.join(', ')}; ${files_}`
          : `the invoke path's tables (${sqliteForbiddenTables.join(', ')}) unchanged during the warm phase; ${files_}`,
      };
    },
  };
}
