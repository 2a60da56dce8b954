import pg from 'pg';

/**
 * Limits of the connection pool. PostgreSQL's own default is 100 connections
 * per server; several Kumo servers share one database, so each keeps few.
 */
export const poolLimits = {
  /** Connections one store holds at most (queries beyond wait for a free one). */
  connectionsMax: 10,
  /**
   * Connections the store of another account (KUMO_ACCOUNTS, its own schema) holds at most: with the
   * 10 accounts `accountsMax` allows, one server holds at most 10 + 9 × 4 = 46, within PostgreSQL's
   * default max_connections of 100 for two servers on one database.
   */
  accountConnectionsMax: 4,
  /** A new connection that is not up within this long fails (the call fails; the server keeps running). */
  connectTimeoutMs: 5_000,
  /** The server cancels a statement that runs longer (statement_timeout). */
  statementTimeoutMs: 30_000,
  /** The client gives up on a statement a few seconds after the server should have cancelled it (a dead peer). */
  queryTimeoutMs: 35_000,
  /** A transaction left idle this long (a bug, a hung caller) is ended by the server, releasing its locks. */
  idleInTransactionTimeoutMs: 60_000,
  /** An idle connection is closed after this long. */
  idleMs: 30_000,
} as const;

/** int8 (COUNT, BIGINT columns of epoch milliseconds) as a JS number: every value Kumo stores is below 2^53. */
const int8Oid = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === int8Oid && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function connectionConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: poolLimits.connectTimeoutMs,
    statement_timeout: poolLimits.statementTimeoutMs,
    query_timeout: poolLimits.queryTimeoutMs,
    idle_in_transaction_session_timeout: poolLimits.idleInTransactionTimeoutMs,
    keepAlive: true,
    application_name: 'kumo',
    types,
  };
}

/**
 * A pool that survives the server going away: a connection that breaks
 * while idle is dropped (the 'error' event must be handled, or the process
 * would die), a call during an outage fails with the driver's error (the
 * gateway answers it as the service's internal error, ServiceException for
 * Lambda), and the next call connects afresh.
 */
export function createPool(url: string, onIdleError: (e: Error) => void, schema?: string): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(url),
    // Another account's store (issue 18): its own schema, first on every connection's search_path.
    ...(schema !== undefined ? { options: `-c search_path=${quoteIdent(schema)}` } : {}),
    max: schema !== undefined ? poolLimits.accountConnectionsMax : poolLimits.connectionsMax,
    idleTimeoutMillis: poolLimits.idleMs,
  });
  pool.on('error', onIdleError);
  return pool;
}

/** Runs `fn` in one transaction on a dedicated client; a client whose connection failed is destroyed, not reused. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client's connection error is emitted on it (the pool listens only while it is idle): unhandled, it would end the process.
  const onError = (e: Error) => (broken = e);
  c.on('error', onError);
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    try {
      await c.query('ROLLBACK');
    } catch (r) {
      broken = r as Error;
    }
    throw e;
  } finally {
    c.removeListener('error', onError);
    c.release(broken);
  }
}

/** Key of the advisory lock that serialises migrations of servers starting at once. */
const migrationLockKey = 0x6b756d6f; // 'kumo'

/**
 * Brings the schema to the newest version: `schema_version` holds the number
 * of migrations applied; each runs in the transaction that bumps it.
 */
export async function migrate(pool: pg.Pool, migrations: string[]): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await c.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
    const r = await c.query<{ version: number }>('SELECT version FROM schema_version');
    if (r.rows.length === 0) await c.query('INSERT INTO schema_version (version) VALUES (0)');
    const current = r.rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(`the database's schema (version ${current}) is newer than this Kumo (${migrations.length}): upgrade Kumo`);
    }
    for (let v = current; v < migrations.length; v++) await c.query(migrations[v]!);
    if (current < migrations.length) await c.query('UPDATE schema_version SET version = $1', [migrations.length]);
  });
}

/** A schema name as an SQL identifier (Kumo's are `kumo_account_<12 digits>`; anything else is refused). */
function quoteIdent(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`not a schema name Kumo makes: ${schema}`);
  return `"${schema}"`;
}

/** Makes `schema` if it does not exist (servers starting at once: IF NOT EXISTS, and a duplicate is not an error). */
export async function createSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client(connectionConfig(url));
  await c.connect();
  try {
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((e: { code?: string }) => {
      if (e.code !== '23505' && e.code !== '42P06') throw e;
    });
  } finally {
    await c.end().catch(() => undefined);
  }
}
