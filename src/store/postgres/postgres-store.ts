import type { CheckpointStore } from '../checkpoints';
import type { NewShard, NewStreamRecord, StreamStore } from '../streams';
import type { EventBusStore } from '../events';
import { PgEvents } from './events';
import { PgStreams } from './streams';
import { PostgresAudit } from './audit';
import { PostgresMetrics } from './metrics';
import { PostgresSubscriptionFilters } from './subscription-filters';
import type { PutSubscriptionResult, SubscriptionFilterRecord } from '../subscription-filters';
import type { MetricPoint, MetricSeriesKey } from '../metrics';
import type { AuditQuery, AuditRow, AuditStore, NewAuditEvent } from '../audit';
import { ParameterOps } from '../parameter-ops';
import { delegateIdentity, IdentityOps } from '../identity-ops';
import type { IdentityStore } from '../identity';
import type { NewParameterVersion, ParameterPutOptions, ParameterStore } from '../parameters';
import { PgSchedules } from './schedules';
import type { ScheduleStore } from '../schedules';
import type { PublishedMessage, SubscriptionRecord, TopicRecord, TopicStore } from '../topics';
import { PgTopics } from './topics';
import type pg from 'pg';
import type {
  AliasRecord, AliasWriteResult, AsyncEvent, AsyncWakeups, FunctionRecord, LayerVersionRecord, LogBatch, LogCursor, LogEvent, LogGroupRecord, LogStreamRecord,
  NewAsyncEvent, Store, StoredLogEvent, TagChange, TagChangeResult, VersionRecord,
} from '../types';
import { StoreConflict } from '../types';
import type { EventSourceMappingQuery, EventSourceMappingRecord } from '../types';
import { PostgresEventSourceMappings } from './event-source-mappings';
import * as qsql from '../queue-sql';
import type { NewQueueMessage, QueueStore, ReceiveOptions } from '../queues';
import { readPostgres, runPostgres } from './queue-driver';
import { createPool, createSchema, inTransaction, migrate } from './pool';
import { migrations } from './schema';
import { Listener } from './listener';
import { PostgresHttpApis } from './http-apis';
import type { HttpApiRecord } from '../../http-apis/records';
import { PostgresFunctionUrls, deleteFunctionUrlsSql, deleteQualifierFunctionUrlSql } from './function-urls';
import { PostgresFunctionPolicies, deleteFunctionPoliciesSql, deleteQualifierPolicySql } from './function-policies';
import { PostgresInvokeConfigs, deleteFunctionInvokeConfigsSql, deleteQualifierInvokeConfigSql } from './invoke-configs';
import type { EventInvokeConfigRecord, FunctionPolicyRecord, FunctionUrlRecord } from '../types';
import { PostgresReservedConcurrency, deleteFunctionConcurrencySql } from './reserved-concurrency';
import { PostgresProvisionedConcurrency, deleteFunctionProvisionedSql, deleteQualifierProvisionedSql } from './provisioned-concurrency';
import type { ProvisionedConcurrencyRecord } from '../../domain/records';

/** NOTIFY channel of async enqueues and of leases released from dead owners (payload: nothing; listeners look for due events themselves). */
const asyncChannel = 'kumo_async_enqueued';
/** How often each live queue owner's heartbeat is refreshed, in database time. */
export const ownerHeartbeatMs = 10_000;
/** An owner whose heartbeat is older than this is gone: its leases are released (three missed heartbeats). */
export const ownerStaleMs = 3 * ownerHeartbeatMs;
/**
 * The database's clock in epoch ms, for the queue's due times, lease ends and
 * enqueue times: several servers share the queue and need not agree on the
 * time. `now()` is the start of the transaction, and every queue call is one
 * statement (its own transaction), so it is the moment that statement began,
 * the same wherever it appears in it; being stable, it can use the due index.
 */
const dbNowMs = 'floor(extract(epoch from now()) * 1000)::bigint';

/**
 * PostgreSQL implementation of `Store`, for several Kumo servers sharing one
 * database (KUMO_DATABASE_URL). Same semantics as the SQLite one, call by
 * call; what differs is how atomicity is had:
 *   - compare-and-swap: one UPDATE … WHERE revision_id = $expected (a
 *     concurrent writer waits on the row lock, then sees the new revision and
 *     changes nothing);
 *   - number allocation (versions, layer versions): the counter row is
 *     locked (FOR UPDATE, or an upsert) in the transaction that inserts;
 *   - queue leases: one UPDATE over a SELECT … FOR UPDATE SKIP LOCKED, so two
 *     servers leasing at once never get the same event;
 *   - owners of leases: a heartbeat row per live queue in database time
 *     (hosts' clocks do not matter), released after `ownerStaleMs`;
 *   - due times, lease ends and enqueue times: database time as well
 *     (`dbNowMs`); callers pass durations, so no host's clock is stored;
 *   - a durable write is a commit with synchronous_commit on (WAL flushed);
 *     non-durable log appends commit with it off (the next durable commit,
 *     or the WAL writer within a few hundred ms, flushes them), like the
 *     SQLite logs database's synchronous=OFF.
 * Every call that resolves has committed. A call while the server is
 * unreachable fails with the driver's error; the pool reconnects on the
 * next call.
 */
// IAM (../identity.ts): its methods are IdentityOps' (identity-sql.ts), bound in the constructor by delegateIdentity.
export interface PostgresStore extends IdentityStore {}
export class PostgresStore implements Store, AsyncWakeups {
  private readonly listener: Listener;
  private readonly topics: PgTopics;
  private readonly streams: PgStreams;
  private readonly audit: PostgresAudit;
  private readonly metrics: PostgresMetrics;
  private readonly subscriptions: PostgresSubscriptionFilters;
  private readonly events: PgEvents;
  private readonly parameters: ParameterOps;
  private readonly schedules: PgSchedules;
  /** Lease owners (queues) of this process, whose heartbeat it refreshes. */
  private readonly owners = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private idleErrorLogged = false;

  private readonly heartbeatMs: number;
  private readonly staleMs: number;

  private constructor(private readonly pool: pg.Pool, url: string, timing: OwnerTiming) {
    this.listener = new Listener(url, asyncChannel);
    this.topics = new PgTopics(pool);
    this.streams = new PgStreams(pool);
    this.audit = new PostgresAudit(pool);
    this.metrics = new PostgresMetrics(pool);
    this.subscriptions = new PostgresSubscriptionFilters(pool);
    this.events = new PgEvents(pool);
    this.parameters = new ParameterOps((op, ...args) => runPostgres(pool, op, ...args));
    delegateIdentity(this, new IdentityOps((op, ...args) => runPostgres(pool, op, ...args)));
    this.schedules = new PgSchedules(pool);
    this.heartbeatMs = timing.ownerHeartbeatMs ?? ownerHeartbeatMs;
    this.staleMs = timing.ownerStaleMs ?? ownerStaleMs;
    this.invokeConfigs = new PostgresInvokeConfigs(pool);
    this.functionUrls = new PostgresFunctionUrls(pool);
    this.functionPolicies = new PostgresFunctionPolicies(pool);
    this.httpApis = new PostgresHttpApis(pool);
    this.reserved = new PostgresReservedConcurrency(pool);
    this.provisioned = new PostgresProvisionedConcurrency(pool);
  }

  // ---- provisioned concurrency (provisioned-concurrency.ts)
  private readonly provisioned: PostgresProvisionedConcurrency;
  putProvisionedConcurrency(rec: ProvisionedConcurrencyRecord, reservableMax: number) {
    return this.provisioned.putProvisionedConcurrency(rec, reservableMax);
  }
  deleteProvisionedConcurrency(fn: string, qualifier: string) {
    return this.provisioned.deleteProvisionedConcurrency(fn, qualifier);
  }
  getProvisionedConcurrency(fn: string, qualifier: string) {
    return this.provisioned.getProvisionedConcurrency(fn, qualifier);
  }
  listProvisionedConcurrency(fn?: string) {
    return this.provisioned.listProvisionedConcurrency(fn);
  }

  // ---- reserved concurrency (reserved-concurrency.ts)
  private readonly reserved: PostgresReservedConcurrency;
  putReservedConcurrency(name: string, reserved: number, reservableMax: number) {
    return this.reserved.putReservedConcurrency(name, reserved, reservableMax);
  }
  deleteReservedConcurrency(name: string) {
    return this.reserved.deleteReservedConcurrency(name);
  }
  getReservedConcurrency(name: string) {
    return this.reserved.getReservedConcurrency(name);
  }
  listReservedConcurrency() {
    return this.reserved.listReservedConcurrency();
  }

  // ---- event invoke configs (invoke-configs.ts)
  private readonly invokeConfigs: PostgresInvokeConfigs;

  // ---- function URL configs (function-urls.ts)
  // ---- HTTP APIs (./http-apis.ts)
  private readonly httpApis: PostgresHttpApis;
  createHttpApi(rec: HttpApiRecord) {
    return this.httpApis.createHttpApi(rec);
  }
  getHttpApi(apiId: string) {
    return this.httpApis.getHttpApi(apiId);
  }
  listHttpApis(afterId: string | undefined, limit: number) {
    return this.httpApis.listHttpApis(afterId, limit);
  }
  updateHttpApi(apiId: string, change: (cur: HttpApiRecord) => HttpApiRecord) {
    return this.httpApis.updateHttpApi(apiId, change);
  }
  deleteHttpApi(apiId: string) {
    return this.httpApis.deleteHttpApi(apiId);
  }

  private readonly functionPolicies: PostgresFunctionPolicies;
  getFunctionPolicy(fn: string, qualifier: string) {
    return this.functionPolicies.getFunctionPolicy(fn, qualifier);
  }
  putFunctionPolicy(rec: FunctionPolicyRecord, expectedRevisionId: string | undefined) {
    return this.functionPolicies.putFunctionPolicy(rec, expectedRevisionId);
  }

  private readonly functionUrls: PostgresFunctionUrls;
  createFunctionUrl(rec: FunctionUrlRecord) {
    return this.functionUrls.createFunctionUrl(rec);
  }
  updateFunctionUrl(fn: string, qualifier: string, merge: (cur: FunctionUrlRecord) => FunctionUrlRecord) {
    return this.functionUrls.updateFunctionUrl(fn, qualifier, merge);
  }
  getFunctionUrl(fn: string, qualifier: string) {
    return this.functionUrls.getFunctionUrl(fn, qualifier);
  }
  getFunctionUrlById(urlId: string) {
    return this.functionUrls.getFunctionUrlById(urlId);
  }
  listFunctionUrls(fn: string, afterQualifier: string | undefined, limit: number) {
    return this.functionUrls.listFunctionUrls(fn, afterQualifier, limit);
  }
  deleteFunctionUrl(fn: string, qualifier: string) {
    return this.functionUrls.deleteFunctionUrl(fn, qualifier);
  }
  putInvokeConfig(rec: EventInvokeConfigRecord) {
    return this.invokeConfigs.putInvokeConfig(rec);
  }
  updateInvokeConfig(fn: string, qualifier: string, merge: (cur: EventInvokeConfigRecord) => EventInvokeConfigRecord) {
    return this.invokeConfigs.updateInvokeConfig(fn, qualifier, merge);
  }
  getInvokeConfig(fn: string, qualifier: string) {
    return this.invokeConfigs.getInvokeConfig(fn, qualifier);
  }
  listInvokeConfigs(fn: string, afterQualifier: string | undefined, limit: number) {
    return this.invokeConfigs.listInvokeConfigs(fn, afterQualifier, limit);
  }
  deleteInvokeConfig(fn: string, qualifier: string) {
    return this.invokeConfigs.deleteInvokeConfig(fn, qualifier);
  }

  /**
   * Connects, migrates the schema; fails (nothing left open) when the
   * database cannot be reached. `timing` shortens the owner heartbeat for tests.
   */
  /**
   * `schema`: another account's store on the same database (issue 18): its
   * tables in that schema (made if missing), every connection's search_path.
   */
  static async open(url: string, timing: OwnerTiming = {}, schema?: string): Promise<PostgresStore> {
    let store: PostgresStore | undefined;
    if (schema !== undefined) await createSchema(url, schema);
    const pool = createPool(url, (e) => store?.idleError(e), schema);
    store = new PostgresStore(pool, url, timing);
    try {
      await migrate(pool, migrations);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new Error(`PostgreSQL at ${redactUrl(url)} (KUMO_DATABASE_URL): ${(e as Error).message}`, { cause: e });
    }
    return store;
  }

  private idleError(e: Error): void {
    // A server restart breaks every idle connection at once: one line, not one per connection.
    if (this.idleErrorLogged) return;
    this.idleErrorLogged = true;
    console.error('kumo: database connection lost (reconnecting on the next call):', e.message);
    setTimeout(() => (this.idleErrorLogged = false), 10_000).unref();
  }

  private async q<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(sql, args);
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  // ---- event source mappings (event-source-mappings.ts: their own file)
  createEventSourceMapping(rec: EventSourceMappingRecord): Promise<void> {
    return this.esm.createEventSourceMapping(rec);
  }
  getEventSourceMapping(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    return this.esm.getEventSourceMapping(uuid);
  }
  listEventSourceMappings(q: EventSourceMappingQuery): Promise<EventSourceMappingRecord[]> {
    return this.esm.listEventSourceMappings(q);
  }
  updateEventSourceMapping(rec: EventSourceMappingRecord, expectedRevisionId: string): Promise<boolean> {
    return this.esm.updateEventSourceMapping(rec, expectedRevisionId);
  }
  deleteEventSourceMapping(uuid: string, expectedRevisionId: string): Promise<boolean> {
    return this.esm.deleteEventSourceMapping(uuid, expectedRevisionId);
  }

  private readonly esm = new PostgresEventSourceMappings((sql, args) => this.q(sql, args));

  // ---- functions and versions

  async createFunction(rec: FunctionRecord): Promise<void> {
    await this.tx(async (c) => {
      // The tags go in the same statement: a function never exists without the tags it was created with.
      const r = await c.query('INSERT INTO functions (name, created_at, tags) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        rec.name,
        rec.createdAt,
        JSON.stringify(rec.tags ?? {}),
      ]);
      if (r.rowCount !== 1) throw new StoreConflict(`Function already exist: ${rec.name}`);
      await insertVersion(c, rec.latest);
    });
  }

  async getFunction(name: string): Promise<FunctionRecord | undefined> {
    const r = await this.q<FnRow>(
      `SELECT f.name, f.created_at, v.record FROM functions f
       JOIN versions v ON v.function_name = f.name AND v.version = '$LATEST' WHERE f.name = $1`,
      [name],
    );
    return r.rows[0] ? toFunction(r.rows[0]) : undefined;
  }

  async listFunctions(afterName: string | undefined, limit: number): Promise<FunctionRecord[]> {
    const r = await this.q<FnRow>(
      `SELECT f.name, f.created_at, v.record FROM functions f
       JOIN versions v ON v.function_name = f.name AND v.version = '$LATEST'
       WHERE f.name > $1 ORDER BY f.name LIMIT $2`,
      [afterName ?? '', limit],
    );
    return r.rows.map(toFunction);
  }

  async updateLatest(rec: VersionRecord, expectedRevisionId: string): Promise<boolean> {
    const r = await this.q(
      `UPDATE versions SET record = $1, revision_id = $2, code_key = $3, code_size = $4, layer_keys = $5
       WHERE function_name = $6 AND version = '$LATEST' AND revision_id = $7`,
      [JSON.stringify(rec), rec.revisionId, rec.codeKey, rec.codeSize, layerKeys(rec), rec.functionName, expectedRevisionId],
    );
    return r.rowCount === 1;
  }

  async deleteFunction(name: string): Promise<boolean> {
    return this.tx(async (c) => {
      // The function row first: a concurrent putInvokeConfig (holding it FOR SHARE) commits before the configs are deleted, or finds no function.
      await c.query('SELECT 1 FROM functions WHERE name = $1 FOR UPDATE', [name]);
      await c.query(deleteFunctionInvokeConfigsSql, [name]);
      await c.query(deleteFunctionUrlsSql, [name]);
      await c.query(deleteFunctionPoliciesSql, [name]);
      await c.query(deleteFunctionConcurrencySql, [name]);
      await c.query(deleteFunctionProvisionedSql, [name]);
      await c.query('DELETE FROM aliases WHERE function_name = $1', [name]);
      await c.query('DELETE FROM versions WHERE function_name = $1', [name]);
      return (await c.query('DELETE FROM functions WHERE name = $1', [name])).rowCount === 1;
    });
  }

  async countFunctions(): Promise<{ count: number; totalCodeSize: number }> {
    const r = await this.q<{ n: number; total: number }>(
      'SELECT (SELECT COUNT(*) FROM functions) AS n, COALESCE(SUM(code_size), 0)::bigint AS total FROM versions',
    );
    return { count: r.rows[0]!.n, totalCodeSize: r.rows[0]!.total };
  }

  async referencedCodeKeys(): Promise<Set<string>> {
    const r = await this.q<{ k: string }>(
      `SELECT code_key AS k FROM versions UNION SELECT unnest(layer_keys) FROM versions UNION SELECT code_key FROM layer_versions`,
    );
    return new Set(r.rows.map((x) => x.k));
  }

  async publishVersion(name: string, expectedLatestRevision: string, build: (version: string) => VersionRecord): Promise<VersionRecord | undefined> {
    return this.tx(async (c) => {
      // The function row's lock serialises publishers; the revision is read after it, so it is current.
      const fn = await c.query<{ last_version: number }>('SELECT last_version FROM functions WHERE name = $1 FOR UPDATE', [name]);
      if (!fn.rows[0]) return undefined;
      const latest = await c.query<{ revision_id: string }>(`SELECT revision_id FROM versions WHERE function_name = $1 AND version = '$LATEST'`, [name]);
      if (latest.rows[0]?.revision_id !== expectedLatestRevision) return undefined;
      const next = fn.rows[0].last_version + 1;
      const rec = build(String(next));
      await insertVersion(c, rec);
      await c.query('UPDATE functions SET last_version = $1 WHERE name = $2', [next, name]);
      return rec;
    });
  }

  async publishVersionIfChanged(
    name: string,
    expectedLatestRevision: string,
    same: (newest: VersionRecord) => boolean,
    build: (version: string) => VersionRecord,
  ): Promise<{ rec: VersionRecord; created: boolean } | undefined> {
    return this.tx(async (c) => {
      // As publishVersion: the function row's lock serialises publishers, so "unchanged since the newest" is decided once.
      const fn = await c.query<{ last_version: number }>('SELECT last_version FROM functions WHERE name = $1 FOR UPDATE', [name]);
      if (!fn.rows[0]) return undefined;
      const latest = await c.query<{ revision_id: string }>(`SELECT revision_id FROM versions WHERE function_name = $1 AND version = '$LATEST'`, [name]);
      if (latest.rows[0]?.revision_id !== expectedLatestRevision) return undefined;
      const newestRow = await c.query<{ record: string }>(
        'SELECT record FROM versions WHERE function_name = $1 AND num IS NOT NULL ORDER BY num DESC LIMIT 1',
        [name],
      );
      const newest = newestRow.rows[0] ? (JSON.parse(newestRow.rows[0].record) as VersionRecord) : undefined;
      if (newest && same(newest)) return { rec: newest, created: false };
      const next = fn.rows[0].last_version + 1;
      const rec = build(String(next));
      await insertVersion(c, rec);
      await c.query('UPDATE functions SET last_version = $1 WHERE name = $2', [next, name]);
      return { rec, created: true };
    });
  }

  async getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const r = await this.q<{ record: string }>('SELECT record FROM versions WHERE function_name = $1 AND version = $2', [name, version]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as VersionRecord) : undefined;
  }

  async listVersions(name: string, afterVersion: number, limit: number): Promise<VersionRecord[]> {
    const r = await this.q<{ record: string }>(
      'SELECT record FROM versions WHERE function_name = $1 AND num IS NOT NULL AND num > $2 ORDER BY num LIMIT $3',
      [name, afterVersion, limit],
    );
    return r.rows.map((x) => JSON.parse(x.record) as VersionRecord);
  }

  async deleteVersion(name: string, version: string): Promise<{ deleted: boolean; aliases: string[] }> {
    return this.tx(async (c) => {
      // Under the function row's lock, as alias writes check their versions: no alias can come to route to a deleted version.
      await c.query('SELECT 1 FROM functions WHERE name = $1 FOR UPDATE', [name]);
      const a = await c.query<{ name: string }>('SELECT name FROM aliases WHERE function_name = $1 AND $2 = ANY(versions) ORDER BY name', [name, version]);
      if (a.rows.length) return { deleted: false, aliases: a.rows.map((x) => x.name) };
      const d = await c.query(`DELETE FROM versions WHERE function_name = $1 AND version = $2 AND version <> '$LATEST'`, [name, version]);
      // The version's event invoke config goes with it.
      if (d.rowCount === 1) {
        await c.query(deleteQualifierInvokeConfigSql, [name, version]);
        await c.query(deleteQualifierProvisionedSql, [name, version]);
        await c.query(deleteQualifierPolicySql, [name, version]);
      }
      return { deleted: d.rowCount === 1, aliases: [] };
    });
  }

  // ---- aliases and tags

  async createAlias(rec: AliasRecord): Promise<void> {
    const r = await this.q(
      'INSERT INTO aliases (function_name, name, record, revision_id, versions) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [rec.functionName, rec.name, JSON.stringify(rec), rec.revisionId, aliasVersions(rec)],
    );
    if (r.rowCount !== 1) throw new StoreConflict(`Alias already exists: ${rec.name}`);
  }

  async getAlias(functionName: string, name: string): Promise<AliasRecord | undefined> {
    const r = await this.q<{ record: string }>('SELECT record FROM aliases WHERE function_name = $1 AND name = $2', [functionName, name]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as AliasRecord) : undefined;
  }

  async listAliases(functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]> {
    const r = await this.q<{ record: string }>(
      'SELECT record FROM aliases WHERE function_name = $1 AND name > $2 ORDER BY name LIMIT $3',
      [functionName, afterName ?? '', limit],
    );
    return r.rows.map((x) => JSON.parse(x.record) as AliasRecord);
  }

  async updateAlias(rec: AliasRecord, expectedRevisionId: string): Promise<boolean> {
    const r = await this.q(
      'UPDATE aliases SET record = $1, revision_id = $2, versions = $3 WHERE function_name = $4 AND name = $5 AND revision_id = $6',
      [JSON.stringify(rec), rec.revisionId, aliasVersions(rec), rec.functionName, rec.name, expectedRevisionId],
    );
    return r.rowCount === 1;
  }

  async deleteAlias(functionName: string, name: string): Promise<boolean> {
    return this.tx(async (c) => {
      // The alias row first: a put holding it FOR SHARE commits before, so the config delete below sees its row.
      const deleted = (await c.query('DELETE FROM aliases WHERE function_name = $1 AND name = $2', [functionName, name])).rowCount === 1;
      if (deleted) {
        await c.query(deleteQualifierInvokeConfigSql, [functionName, name]);
        await c.query(deleteQualifierProvisionedSql, [functionName, name]);
        // AWS deletes an alias's function URL with the alias (recorded: test_lambda_url_persists_after_alias_delete).
        await c.query(deleteQualifierFunctionUrlSql, [functionName, name]);
        await c.query(deleteQualifierPolicySql, [functionName, name]);
      }
      return deleted;
    });
  }

  async createAliasChecked(rec: AliasRecord): Promise<AliasWriteResult> {
    return this.tx(async (c) => {
      const missing = await missingRoute(c, rec);
      if (missing) return missing;
      const r = await c.query(
        'INSERT INTO aliases (function_name, name, record, revision_id, versions) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [rec.functionName, rec.name, JSON.stringify(rec), rec.revisionId, aliasVersions(rec)],
      );
      return r.rowCount === 1 ? { kind: 'ok' } : { kind: 'exists' };
    });
  }

  async updateAliasChecked(rec: AliasRecord, expectedRevisionId: string): Promise<AliasWriteResult> {
    return this.tx(async (c) => {
      const missing = await missingRoute(c, rec);
      if (missing) return missing;
      const r = await c.query(
        'UPDATE aliases SET record = $1, revision_id = $2, versions = $3 WHERE function_name = $4 AND name = $5 AND revision_id = $6',
        [JSON.stringify(rec), rec.revisionId, aliasVersions(rec), rec.functionName, rec.name, expectedRevisionId],
      );
      return r.rowCount === 1 ? { kind: 'ok' } : { kind: 'stale' };
    });
  }

  async changeTags(functionName: string, change: TagChange, tagsMax: number): Promise<TagChangeResult> {
    return this.tx(async (c) => {
      // The row lock makes the merge one step: a concurrent change waits, then merges into this one's result.
      const r = await c.query<{ tags: string }>('SELECT tags FROM functions WHERE name = $1 FOR UPDATE', [functionName]);
      if (!r.rows[0]) return { kind: 'no-function' };
      const tags = { ...(JSON.parse(r.rows[0].tags) as Record<string, string>), ...change.set };
      for (const k of change.remove ?? []) delete tags[k];
      const count = Object.keys(tags).length;
      if (count > tagsMax) return { kind: 'too-many', count };
      await c.query('UPDATE functions SET tags = $1 WHERE name = $2', [JSON.stringify(tags), functionName]);
      return { kind: 'ok', tags };
    });
  }

  async getTags(functionName: string): Promise<Record<string, string> | undefined> {
    const r = await this.q<{ tags: string }>('SELECT tags FROM functions WHERE name = $1', [functionName]);
    return r.rows[0] ? (JSON.parse(r.rows[0].tags) as Record<string, string>) : undefined;
  }

  async setTags(functionName: string, tags: Record<string, string>): Promise<boolean> {
    return (await this.q('UPDATE functions SET tags = $1 WHERE name = $2', [JSON.stringify(tags), functionName])).rowCount === 1;
  }

  // ---- layers

  async publishLayerVersion(layerName: string, build: (version: number) => LayerVersionRecord): Promise<LayerVersionRecord> {
    return this.tx(async (c) => {
      // The upsert allocates the number and holds the layer row's lock until commit: numbers are never reused.
      const r = await c.query<{ last_version: number }>(
        `INSERT INTO layers (name, last_version) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET last_version = layers.last_version + 1 RETURNING last_version`,
        [layerName],
      );
      const rec = build(r.rows[0]!.last_version);
      await c.query(
        'INSERT INTO layer_versions (layer_name, version, record, code_key, policy_revision_id) VALUES ($1, $2, $3, $4, $5)',
        [layerName, rec.version, JSON.stringify(rec), rec.codeKey, rec.policyRevisionId],
      );
      return rec;
    });
  }

  async getLayerVersion(layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const r = await this.q<{ record: string }>('SELECT record FROM layer_versions WHERE layer_name = $1 AND version = $2', [layerName, version]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as LayerVersionRecord) : undefined;
  }

  async listLayerVersions(layerName: string, beforeVersion: number, limit: number): Promise<LayerVersionRecord[]> {
    const before = Number.isFinite(beforeVersion) ? beforeVersion : 2 ** 31 - 1;
    const r = await this.q<{ record: string }>(
      'SELECT record FROM layer_versions WHERE layer_name = $1 AND version < $2 ORDER BY version DESC LIMIT $3',
      [layerName, before, limit],
    );
    return r.rows.map((x) => JSON.parse(x.record) as LayerVersionRecord);
  }

  async listLayers(afterName: string | undefined, limit: number): Promise<LayerVersionRecord[]> {
    const r = await this.q<{ record: string }>(
      `SELECT record FROM (SELECT DISTINCT ON (layer_name) layer_name, record FROM layer_versions
         WHERE layer_name > $1 ORDER BY layer_name, version DESC) m ORDER BY layer_name LIMIT $2`,
      [afterName ?? '', limit],
    );
    return r.rows.map((x) => JSON.parse(x.record) as LayerVersionRecord);
  }

  async deleteLayerVersion(layerName: string, version: number): Promise<boolean> {
    return (await this.q('DELETE FROM layer_versions WHERE layer_name = $1 AND version = $2', [layerName, version])).rowCount === 1;
  }

  async updateLayerVersionPolicy(rec: LayerVersionRecord, expectedPolicyRevisionId: string): Promise<boolean> {
    const r = await this.q(
      'UPDATE layer_versions SET record = $1, policy_revision_id = $2 WHERE layer_name = $3 AND version = $4 AND policy_revision_id = $5',
      [JSON.stringify(rec), rec.policyRevisionId, rec.layerName, rec.version, expectedPolicyRevisionId],
    );
    return r.rowCount === 1;
  }

  // ---- async queue

  async enqueueAsync(ev: NewAsyncEvent, delayMs = 0): Promise<void> {
    // The NOTIFY is delivered when this statement commits, never before the row is visible.
    await this.q(
      `WITH ins AS (
         INSERT INTO async_events (id, function_name, qualifier, payload, request_id, attempts, due_at_ms, enqueued_at_ms, client_context, trace_header)
         VALUES ($1, $2, $3, $4, $5, $6, ${dbNowMs} + $7, ${dbNowMs}, $8, $9) RETURNING id)
       SELECT pg_notify('${asyncChannel}', '') FROM ins`,
      [ev.id, ev.functionName, ev.qualifier, ev.payload, ev.requestId, ev.attempts, Math.round(delayMs), ev.clientContext ?? null, ev.traceHeader ?? null],
    );
  }

  /**
   * Due times and lease ends are database time (`dbNowMs`), so servers whose
   * clocks disagree still never hold one event at once. The event's age is
   * measured there too and handed back on this process's clock
   * (`enqueuedAtMs`, see `AsyncEvent`).
   */
  async leaseDueAsync(leaseMs: number, limit: number, ownerId: string): Promise<AsyncEvent[]> {
    // One statement: the rows locked by another server's lease in progress are skipped, not waited for.
    const r = await this.q<AsyncRow>(
      `UPDATE async_events e SET lease_until_ms = ${dbNowMs} + $1, lease_owner = $3
       FROM (SELECT id FROM async_events WHERE due_at_ms <= ${dbNowMs} AND lease_until_ms <= ${dbNowMs}
             ORDER BY due_at_ms LIMIT $2 FOR UPDATE SKIP LOCKED) due
       WHERE e.id = due.id
       RETURNING e.*, ${dbNowMs} - e.enqueued_at_ms AS age_ms`,
      [Math.round(leaseMs), limit, ownerId],
    );
    const now = Date.now();
    return r.rows.sort((a, b) => a.due_at_ms - b.due_at_ms).map((row) => toAsync(row, now));
  }

  /**
   * Registers `ownerId` as a live owner (heartbeat refreshed by this store
   * every `ownerHeartbeatMs`) and releases the leases of every owner that is
   * not alive: no heartbeat row, or one older than `ownerStaleMs`. A server
   * restarted after a crash thus gets its dead predecessor's events back
   * within `ownerStaleMs` (SQLite: at once), and the periodic sweep does the
   * same for another server that died while this one runs.
   */
  async recoverAsyncLeases(ownerId: string): Promise<number> {
    this.owners.add(ownerId);
    await this.beat();
    this.heartbeat ??= setInterval(() => {
      void this.beat()
        .then(() => this.releaseDeadOwners())
        .catch((e: unknown) => console.error('kumo: async owner heartbeat failed:', (e as Error).message));
    }, this.heartbeatMs);
    this.heartbeat.unref();
    return this.releaseDeadOwners();
  }

  async releaseAsyncLeases(ownerId: string, keepIds: readonly string[]): Promise<number> {
    const r = await this.q(
      `UPDATE async_events SET lease_until_ms = 0, lease_owner = NULL
       WHERE lease_owner = $1 AND lease_until_ms > 0 AND NOT (id = ANY($2::text[]))`,
      [ownerId, [...keepIds]],
    );
    return r.rowCount ?? 0;
  }

  private async beat(): Promise<void> {
    if (this.owners.size === 0) return;
    await this.q(
      `INSERT INTO async_owners (id, heartbeat_at) SELECT unnest($1::text[]), now()
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      [[...this.owners]],
    );
  }

  private async releaseDeadOwners(): Promise<number> {
    return this.tx(async (c) => {
      const stale = `now() - make_interval(secs => ${this.staleMs / 1000})`;
      const r = await c.query(
        `UPDATE async_events SET lease_until_ms = 0, lease_owner = NULL
         WHERE lease_until_ms > 0 AND (lease_owner IS NULL
           OR lease_owner NOT IN (SELECT id FROM async_owners WHERE heartbeat_at >= ${stale}))`,
      );
      await c.query(`DELETE FROM async_owners WHERE heartbeat_at < ${stale}`);
      // Released events are due again at once, but every queue (this server's too) last planned its wake-up
      // for the end of the dead owner's 16-minute lease: wake them as an enqueue does (delivered at commit).
      if (r.rowCount) await c.query(`SELECT pg_notify('${asyncChannel}', '')`);
      return r.rowCount ?? 0;
    });
  }

  async rescheduleAsync(id: string, attempts: number, delayMs: number): Promise<void> {
    await this.q(
      `UPDATE async_events SET attempts = $1, due_at_ms = ${dbNowMs} + $2, lease_until_ms = 0, lease_owner = NULL WHERE id = $3`,
      [attempts, Math.round(delayMs), id],
    );
  }

  async deleteAsync(id: string): Promise<void> {
    await this.q('DELETE FROM async_events WHERE id = $1', [id]);
  }

  async nextAsyncDueInMs(): Promise<number | undefined> {
    // (GREATEST ignores NULL, so the empty queue's NULL is kept by clamping here, not in SQL.)
    const r = await this.q<{ t: number | null }>(`SELECT MIN(GREATEST(due_at_ms, lease_until_ms)) - ${dbNowMs} AS t FROM async_events`);
    const t = r.rows[0]?.t;
    return t === null || t === undefined ? undefined : Math.max(0, t);
  }

  /** Calls `cb` whenever any server enqueues an async event (LISTEN/NOTIFY), and once after a lost connection returns. */
  onAsyncEnqueued(cb: () => void): () => void {
    return this.listener.subscribe(cb);
  }

  // ---- function logs

  async appendLogs(batches: LogBatch[], opts: { durable?: boolean } = {}): Promise<void> {
    const now = Date.now();
    const written = batches.filter((b) => b.events.length > 0);
    if (written.length === 0 && !opts.durable) return;
    await this.tx(async (c) => {
      if (!opts.durable) await c.query('SET LOCAL synchronous_commit = off');
      for (const b of written) await insertEvents(c, b.group, b.stream, b.events, null);
      // Group and stream rows after the events, in name order: two servers appending to the same streams cannot deadlock.
      const sorted = [...written].sort((a, b) => cmp(a.group, b.group) || cmp(a.stream, b.stream));
      for (const b of sorted) await touchStream(c, b.group, b.stream, b.events, now);
      // Nothing to commit but durability asked for: a one-row write whose synchronous commit flushes the WAL of every earlier commit.
      if (written.length === 0) await c.query('UPDATE log_flush SET n = n + 1');
    });
  }

  async readLogs(
    group: string,
    opts: { stream?: string; sinceMs?: number; afterId?: number; limit: number; filter?: string },
  ): Promise<(LogEvent & { stream: string; id: number })[]> {
    const where = ['log_group = $1'];
    const args: unknown[] = [group];
    const p = (v: unknown) => (args.push(v), `$${args.length}`);
    if (opts.stream) where.push(`log_stream = ${p(opts.stream)}`);
    if (opts.sinceMs !== undefined) where.push(`ts_ms >= ${p(opts.sinceMs)}`);
    if (opts.afterId !== undefined) where.push(`id > ${p(opts.afterId)}`);
    if (opts.filter) where.push(`position(${p(Buffer.from(opts.filter))}::bytea in message) > 0`);
    const forward = opts.sinceMs !== undefined || opts.afterId !== undefined;
    const page = `SELECT id, log_stream, ts_ms, message FROM log_events WHERE ${where.join(' AND ')}`;
    const lim = p(opts.limit);
    const r = await this.q<{ id: number; log_stream: string; ts_ms: number; message: Buffer }>(
      forward ? `${page} ORDER BY id LIMIT ${lim}` : `SELECT * FROM (${page} ORDER BY id DESC LIMIT ${lim}) t ORDER BY id`,
      args,
    );
    return r.rows.map((x) => ({ id: x.id, stream: x.log_stream, timestampMs: x.ts_ms, message: x.message.toString('utf8') }));
  }

  async deleteLogGroup(group: string): Promise<boolean> {
    return this.tx(async (c) => {
      const existed = (await c.query('DELETE FROM log_groups WHERE name = $1', [group])).rowCount === 1;
      await c.query('DELETE FROM log_streams WHERE log_group = $1', [group]);
      await c.query('DELETE FROM log_events WHERE log_group = $1', [group]);
      await c.query('DELETE FROM log_subscription_filters WHERE log_group = $1', [group]);
      return existed;
    });
  }

  // ---- CloudWatch Logs subscription filters (../subscription-filters.ts): ./subscription-filters.ts.
  putSubscriptionFilter(rec: Omit<SubscriptionFilterRecord, 'cursorId'>, perGroupMax: number): Promise<PutSubscriptionResult> {
    return this.subscriptions.putSubscriptionFilter(rec, perGroupMax);
  }
  listSubscriptionFilters(group: string, q: { prefix?: string; afterName?: string; limit: number }): Promise<SubscriptionFilterRecord[]> {
    return this.subscriptions.listSubscriptionFilters(group, q);
  }
  deleteSubscriptionFilter(group: string, filterName: string): Promise<boolean> { return this.subscriptions.deleteSubscriptionFilter(group, filterName); }
  allSubscriptionFilters(): Promise<SubscriptionFilterRecord[]> { return this.subscriptions.allSubscriptionFilters(); }
  advanceSubscriptionCursor(group: string, filterName: string, cursorId: number): Promise<boolean> {
    return this.subscriptions.advanceSubscriptionCursor(group, filterName, cursorId);
  }

  // ---- CloudWatch Logs metadata

  async createLogGroup(rec: { name: string; createdMs: number; kmsKeyId: string | null }): Promise<boolean> {
    const r = await this.q('INSERT INTO log_groups (name, created_ms, kms_key_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      rec.name, rec.createdMs, rec.kmsKeyId,
    ]);
    return r.rowCount === 1;
  }

  async getLogGroup(name: string): Promise<LogGroupRecord | undefined> {
    const r = await this.q<GroupRow>(`${groupSelect} WHERE g.name = $1`, [name]);
    return r.rows[0] ? toGroup(r.rows[0]) : undefined;
  }

  async listLogGroups(q: { prefix?: string; contains?: string; afterName?: string; limit: number }): Promise<LogGroupRecord[]> {
    const args: unknown[] = [q.afterName ?? ''];
    const p = (v: unknown) => (args.push(v), `$${args.length}`);
    const where = ['g.name > $1'];
    if (q.prefix !== undefined) where.push(`starts_with(g.name, ${p(q.prefix)})`);
    if (q.contains !== undefined) where.push(`strpos(lower(g.name), lower(${p(q.contains)})) > 0`);
    const r = await this.q<GroupRow>(`${groupSelect} WHERE ${where.join(' AND ')} ORDER BY g.name LIMIT ${p(q.limit)}`, args);
    return r.rows.map(toGroup);
  }

  async setLogRetention(name: string, retentionDays: number | null): Promise<boolean> {
    return (await this.q('UPDATE log_groups SET retention_days = $1 WHERE name = $2', [retentionDays, name])).rowCount === 1;
  }

  async logGroupsWithRetention(): Promise<{ name: string; retentionDays: number }[]> {
    const r = await this.q<{ name: string; retention_days: number }>('SELECT name, retention_days FROM log_groups WHERE retention_days IS NOT NULL ORDER BY name');
    return r.rows.map((x) => ({ name: x.name, retentionDays: x.retention_days }));
  }

  async createLogStream(group: string, name: string, createdMs: number): Promise<'created' | 'exists' | 'no-group'> {
    return this.tx(async (c) => {
      // FOR SHARE: a concurrent DeleteLogGroup waits for this stream, then deletes it with the group.
      if ((await c.query('SELECT 1 FROM log_groups WHERE name = $1 FOR SHARE', [group])).rowCount === 0) return 'no-group';
      const r = await c.query(
        'INSERT INTO log_streams (log_group, name, created_ms, stored_bytes, seq) VALUES ($1, $2, $3, 0, 0) ON CONFLICT DO NOTHING',
        [group, name, createdMs],
      );
      return r.rowCount === 1 ? 'created' : 'exists';
    });
  }

  async getLogStream(group: string, name: string): Promise<LogStreamRecord | undefined> {
    const r = await this.q<StreamRow>('SELECT * FROM log_streams WHERE log_group = $1 AND name = $2', [group, name]);
    return r.rows[0] ? toStream(r.rows[0]) : undefined;
  }

  async listLogStreams(
    group: string,
    q: { prefix?: string; orderBy: 'LogStreamName' | 'LastEventTime'; descending: boolean; after?: { key: number | string; name: string }; limit: number },
  ): Promise<LogStreamRecord[]> {
    const args: unknown[] = [group];
    const p = (v: unknown) => (args.push(v), `$${args.length}`);
    const where = ['log_group = $1'];
    if (q.prefix !== undefined) where.push(`starts_with(name, ${p(q.prefix)})`);
    // Streams that never had an event sort first by LastEventTime (as 0).
    const key = q.orderBy === 'LogStreamName' ? 'name' : 'COALESCE(last_ts, 0)';
    const op = q.descending ? '<' : '>';
    if (q.after) where.push(`(${key}, name) ${op} (${p(q.after.key)}, ${p(q.after.name)})`);
    const dir = q.descending ? 'DESC' : 'ASC';
    const r = await this.q<StreamRow>(`SELECT * FROM log_streams WHERE ${where.join(' AND ')} ORDER BY ${key} ${dir}, name ${dir} LIMIT ${p(q.limit)}`, args);
    return r.rows.map(toStream);
  }

  async deleteLogStream(group: string, name: string): Promise<boolean> {
    return this.tx(async (c) => {
      const deleted = (await c.query('DELETE FROM log_streams WHERE log_group = $1 AND name = $2', [group, name])).rowCount === 1;
      if (deleted) await c.query('DELETE FROM log_events WHERE log_group = $1 AND log_stream = $2', [group, name]);
      return deleted;
    });
  }

  async putLogEvents(group: string, stream: string, events: LogEvent[], ingestionMs: number): Promise<number | undefined> {
    return this.tx(async (c) => {
      // The stream row's lock orders concurrent writers: each gets its own sequence.
      if ((await c.query('SELECT 1 FROM log_streams WHERE log_group = $1 AND name = $2 FOR UPDATE', [group, stream])).rowCount === 0) return undefined;
      await insertEvents(c, group, stream, events, ingestionMs);
      await touchStream(c, group, stream, events, ingestionMs);
      const r = await c.query<{ seq: number }>('SELECT seq FROM log_streams WHERE log_group = $1 AND name = $2', [group, stream]);
      return r.rows[0]!.seq;
    });
  }

  async readStreamEvents(
    group: string,
    stream: string,
    q: { startMs?: number; endMs?: number; after?: LogCursor; before?: LogCursor; fromEnd: boolean; limit: number },
  ): Promise<StoredLogEvent[]> {
    const args: unknown[] = [group, stream];
    const p = (v: unknown) => (args.push(v), `$${args.length}`);
    const where = ['log_group = $1', 'log_stream = $2'];
    addRange(where, p, q);
    if (q.before) where.push(`(ts_ms, id) < (${p(q.before.timestampMs)}, ${p(q.before.id)})`);
    const dir = q.fromEnd ? 'DESC' : 'ASC';
    const r = await this.q<EventRow>(
      `SELECT id, log_stream, ts_ms, message, ingest_ms FROM log_events WHERE ${where.join(' AND ')} ORDER BY ts_ms ${dir}, id ${dir} LIMIT ${p(q.limit)}`,
      args,
    );
    const rows = q.fromEnd ? r.rows.reverse() : r.rows;
    return rows.map(toEvent);
  }

  async scanGroupEvents(
    group: string,
    q: { streams?: string[]; streamPrefix?: string; startMs?: number; endMs?: number; after?: LogCursor; limit: number },
  ): Promise<StoredLogEvent[]> {
    const args: unknown[] = [group];
    const p = (v: unknown) => (args.push(v), `$${args.length}`);
    const where = ['log_group = $1'];
    if (q.streams) where.push(`log_stream = ANY(${p(q.streams)}::text[])`);
    if (q.streamPrefix !== undefined) where.push(`starts_with(log_stream, ${p(q.streamPrefix)})`);
    addRange(where, p, q);
    const r = await this.q<EventRow>(
      `SELECT id, log_stream, ts_ms, message, ingest_ms FROM log_events WHERE ${where.join(' AND ')} ORDER BY ts_ms, id LIMIT ${p(q.limit)}`,
      args,
    );
    return r.rows.map(toEvent);
  }

  async expireLogEvents(group: string, beforeMs: number, limit: number): Promise<number> {
    return this.tx(async (c) => {
      const per = await c.query<{ log_stream: string; n: number; bytes: number }>(
        `WITH gone AS (
           DELETE FROM log_events WHERE id IN
             (SELECT id FROM log_events WHERE log_group = $1 AND ts_ms < $2 ORDER BY ts_ms, id LIMIT $3)
           RETURNING log_stream, octet_length(message) AS b)
         SELECT log_stream, COUNT(*) AS n, SUM(b)::bigint AS bytes FROM gone GROUP BY log_stream ORDER BY log_stream`,
        [group, beforeMs, limit],
      );
      let n = 0;
      for (const s of per.rows) {
        n += s.n;
        // The stream's bytes shrink and its first event moves on (null when none is left).
        await c.query(
          `UPDATE log_streams SET stored_bytes = GREATEST(0, stored_bytes - $3),
             first_ts = (SELECT MIN(ts_ms) FROM log_events WHERE log_group = $1 AND log_stream = $2)
           WHERE log_group = $1 AND name = $2`,
          [group, s.log_stream, s.bytes],
        );
      }
      return n;
    });
  }

  /** Stops the heartbeat, returns this process's leases (another server may run them at once) and closes every connection. */
  // ---- SNS topics, subscriptions, deliveries: ../<impl>/topics.ts (kept apart from the other concerns).
  createTopic(rec: TopicRecord): ReturnType<TopicStore['createTopic']> { return this.topics.createTopic(rec); }
  getTopic(arn: string): ReturnType<TopicStore['getTopic']> { return this.topics.getTopic(arn); }
  listTopics(q: { afterArn?: string; limit: number }): ReturnType<TopicStore['listTopics']> { return this.topics.listTopics(q); }
  deleteTopic(arn: string): ReturnType<TopicStore['deleteTopic']> { return this.topics.deleteTopic(arn); }
  setTopicAttribute(arn: string, name: string, value: string | null): ReturnType<TopicStore['setTopicAttribute']> { return this.topics.setTopicAttribute(arn, name, value); }
  editTopicAttribute(arn: string, name: string, edit: (current: string | undefined) => string | null): ReturnType<TopicStore['editTopicAttribute']> { return this.topics.editTopicAttribute(arn, name, edit); }
  changeTopicTags(arn: string, change: { set?: Record<string, string>; remove?: string[] }, max: number): ReturnType<TopicStore['changeTopicTags']> { return this.topics.changeTopicTags(arn, change, max); }
  createSubscription(rec: SubscriptionRecord, confirmation: PublishedMessage | undefined): ReturnType<TopicStore['createSubscription']> { return this.topics.createSubscription(rec, confirmation); }
  getSubscription(arn: string): ReturnType<TopicStore['getSubscription']> { return this.topics.getSubscription(arn); }
  listSubscriptions(q: { topicArn?: string; afterArn?: string; limit: number }): ReturnType<TopicStore['listSubscriptions']> { return this.topics.listSubscriptions(q); }
  confirmedSubscriptions(topicArn: string): ReturnType<TopicStore['confirmedSubscriptions']> { return this.topics.confirmedSubscriptions(topicArn); }
  subscriptionCounts(topicArn: string): ReturnType<TopicStore['subscriptionCounts']> { return this.topics.subscriptionCounts(topicArn); }
  deleteSubscription(arn: string): ReturnType<TopicStore['deleteSubscription']> { return this.topics.deleteSubscription(arn); }
  setSubscriptionAttribute(arn: string, name: string, value: string | null): ReturnType<TopicStore['setSubscriptionAttribute']> { return this.topics.setSubscriptionAttribute(arn, name, value); }
  confirmSubscription(topicArn: string, token: string): ReturnType<TopicStore['confirmSubscription']> { return this.topics.confirmSubscription(topicArn, token); }
  publishToTopic(msg: PublishedMessage, subs: string[], dedup?: { id: string; windowMs: number }): ReturnType<TopicStore['publishToTopic']> { return this.topics.publishToTopic(msg, subs, dedup); }
  leaseDeliveries(owner: string, limit: number, leaseMs: number): ReturnType<TopicStore['leaseDeliveries']> { return this.topics.leaseDeliveries(owner, limit, leaseMs); }
  finishDelivery(id: string): ReturnType<TopicStore['finishDelivery']> { return this.topics.finishDelivery(id); }
  retryDelivery(id: string, attempts: number, delayMs: number): ReturnType<TopicStore['retryDelivery']> { return this.topics.retryDelivery(id, attempts, delayMs); }
  releaseDeliveryLeases(exceptOwner: string): ReturnType<TopicStore['releaseDeliveryLeases']> { return this.topics.releaseDeliveryLeases(exceptOwner); }
  // ---- Queues (src/store/queues.ts): one transaction each, the logic shared with PostgreSQL in queue-sql.ts.
  async createQueue(rec: Parameters<QueueStore['createQueue']>[0]): ReturnType<QueueStore['createQueue']> {
    return runPostgres(this.pool, qsql.createQueue, rec);
  }
  async getQueue(name: string): ReturnType<QueueStore['getQueue']> {
    return readPostgres(this.pool, qsql.getQueue, name);
  }
  async listQueues(query: Parameters<QueueStore['listQueues']>[0]): ReturnType<QueueStore['listQueues']> {
    return readPostgres(this.pool, qsql.listQueues, query);
  }
  async deleteQueue(name: string): ReturnType<QueueStore['deleteQueue']> {
    return runPostgres(this.pool, qsql.deleteQueue, name);
  }
  async setQueueAttributes(name: string, attributes: Record<string, string>, deadLetterTarget: string | null | undefined): ReturnType<QueueStore['setQueueAttributes']> {
    return runPostgres(this.pool, qsql.setQueueAttributes, name, attributes, deadLetterTarget);
  }
  async editQueueAttribute(name: string, attribute: string, edit: (current: string | undefined) => string): ReturnType<QueueStore['editQueueAttribute']> {
    return runPostgres(this.pool, qsql.editQueueAttribute, name, attribute, edit);
  }
  async changeQueueTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<QueueStore['changeQueueTags']> {
    return runPostgres(this.pool, qsql.changeQueueTags, name, change, tagsMax);
  }
  async deadLetterSources(target: string, afterName: string | undefined, limit: number): ReturnType<QueueStore['deadLetterSources']> {
    return readPostgres(this.pool, qsql.deadLetterSources, target, afterName, limit);
  }
  async queueCounts(name: string, retentionS: number): ReturnType<QueueStore['queueCounts']> {
    return runPostgres(this.pool, qsql.queueCounts, name, retentionS);
  }
  async sendMessages(queue: string, msgs: NewQueueMessage[], fifo: { dedupWindowS: number; perGroup?: boolean } | undefined): ReturnType<QueueStore['sendMessages']> {
    return runPostgres(this.pool, qsql.sendMessages, queue, msgs, fifo);
  }
  async receiveMessages(queue: string, opts: ReceiveOptions): ReturnType<QueueStore['receiveMessages']> {
    return runPostgres(this.pool, qsql.receiveMessages, queue, opts);
  }
  async deleteMessages(queue: string, receiptHandles: string[]): ReturnType<QueueStore['deleteMessages']> {
    return runPostgres(this.pool, qsql.deleteMessages, queue, receiptHandles);
  }
  async changeVisibility(queue: string, entries: { receiptHandle: string; visibilityS: number }[]): ReturnType<QueueStore['changeVisibility']> {
    return runPostgres(this.pool, qsql.changeVisibility, queue, entries);
  }
  async purgeQueue(name: string): ReturnType<QueueStore['purgeQueue']> {
    return runPostgres(this.pool, qsql.purgeQueue, name);
  }
  async moveMessages(from: string, to: string | null, limit: number): ReturnType<QueueStore['moveMessages']> {
    return runPostgres(this.pool, qsql.moveMessages, from, to, limit);
  }

  // ---- Streams (src/store/streams.ts): ./streams.ts, the logic shared with the other store in stream-sql.ts.
  createStream(rec: Parameters<StreamStore['createStream']>[0]): ReturnType<StreamStore['createStream']> { return this.streams.createStream(rec); }
  getStream(name: string): ReturnType<StreamStore['getStream']> { return this.streams.getStream(name); }
  listStreams(afterName: string | undefined, limit: number): ReturnType<StreamStore['listStreams']> { return this.streams.listStreams(afterName, limit); }
  deleteStream(name: string): ReturnType<StreamStore['deleteStream']> { return this.streams.deleteStream(name); }
  setStreamRetention(name: string, hours: number, check: (previous: number) => void): ReturnType<StreamStore['setStreamRetention']> { return this.streams.setStreamRetention(name, hours, check); }
  getStreamPolicy(name: string): ReturnType<StreamStore['getStreamPolicy']> { return this.streams.getStreamPolicy(name); }
  setStreamPolicy(name: string, policy: string | null): ReturnType<StreamStore['setStreamPolicy']> { return this.streams.setStreamPolicy(name, policy); }
  changeStreamTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<StreamStore['changeStreamTags']> { return this.streams.changeStreamTags(name, change, tagsMax); }
  putStreamRecords(name: string, records: NewStreamRecord[]): ReturnType<StreamStore['putStreamRecords']> { return this.streams.putStreamRecords(name, records); }
  readStreamRecords(name: string, shardId: string, afterSeq: number, limit: number, bytesMax: number, retentionHours: number): ReturnType<StreamStore['readStreamRecords']> { return this.streams.readStreamRecords(name, shardId, afterSeq, limit, bytesMax, retentionHours); }
  streamPosition(name: string, shardId: string, atMs?: number): ReturnType<StreamStore['streamPosition']> { return this.streams.streamPosition(name, shardId, atMs); }
  reshardStream(name: string, close: string[], open: NewShard[], busyMs: number): ReturnType<StreamStore['reshardStream']> { return this.streams.reshardStream(name, close, open, busyMs); }
  sweepStreamRecords(limit: number): ReturnType<StreamStore['sweepStreamRecords']> { return this.streams.sweepStreamRecords(limit); }
  listCheckpoints(mappingId: string): ReturnType<CheckpointStore['listCheckpoints']> { return this.streams.listCheckpoints(mappingId); }
  saveCheckpoint(mappingId: string, shardId: string, next: Parameters<CheckpointStore['saveCheckpoint']>[2], expected: string | undefined): ReturnType<CheckpointStore['saveCheckpoint']> { return this.streams.saveCheckpoint(mappingId, shardId, next, expected); }
  deleteCheckpoints(mappingId: string): ReturnType<CheckpointStore['deleteCheckpoints']> { return this.streams.deleteCheckpoints(mappingId); }

  // ---- Audit trail (src/store/audit.ts): ./audit.ts.
  appendAuditEvents(events: NewAuditEvent[], seal: (prevMac: string, body: string) => string): Promise<void> { return this.audit.appendAuditEvents(events, seal); }
  lookupAuditEvents(q: AuditQuery): Promise<AuditRow[]> { return this.audit.lookupAuditEvents(q); }
  readAuditChain(afterSeq: number, limit: number): Promise<AuditRow[]> { return this.audit.readAuditChain(afterSeq, limit); }
  auditHead(): ReturnType<AuditStore['auditHead']> { return this.audit.auditHead(); }
  sweepAuditEvents(beforeMs: number, limit: number): Promise<number> { return this.audit.sweepAuditEvents(beforeMs, limit); }

  // ---- Metric points (src/store/metrics.ts): ./metrics.ts.
  mergeMetricPoints(points: MetricPoint[]): Promise<void> { return this.metrics.mergeMetricPoints(points); }
  queryMetricPoints(k: MetricSeriesKey, startMs: number, endMs: number): Promise<MetricPoint[]> { return this.metrics.queryMetricPoints(k, startMs, endMs); }
  listMetricSeries(q: Parameters<PostgresMetrics['listMetricSeries']>[0]): Promise<MetricSeriesKey[]> { return this.metrics.listMetricSeries(q); }
  rollupMetricPoints(fromPeriodS: number, beforeMs: number, limit: number, rollup: (points: MetricPoint[]) => MetricPoint[]): Promise<number> {
    return this.metrics.rollupMetricPoints(fromPeriodS, beforeMs, limit, rollup);
  }
  // ---- EventBridge buses, rules, targets, the delivery outbox: ../event-sql.ts (shared by both stores).
  createEventBus(...a: Parameters<EventBusStore['createEventBus']>): ReturnType<EventBusStore['createEventBus']> { return this.events.createEventBus(...a); }
  getEventBus(...a: Parameters<EventBusStore['getEventBus']>): ReturnType<EventBusStore['getEventBus']> { return this.events.getEventBus(...a); }
  listEventBuses(...a: Parameters<EventBusStore['listEventBuses']>): ReturnType<EventBusStore['listEventBuses']> { return this.events.listEventBuses(...a); }
  changeEventBusPolicy(...a: Parameters<EventBusStore['changeEventBusPolicy']>): ReturnType<EventBusStore['changeEventBusPolicy']> { return this.events.changeEventBusPolicy(...a); }
  deleteEventBus(...a: Parameters<EventBusStore['deleteEventBus']>): ReturnType<EventBusStore['deleteEventBus']> { return this.events.deleteEventBus(...a); }
  putRule(...a: Parameters<EventBusStore['putRule']>): ReturnType<EventBusStore['putRule']> { return this.events.putRule(...a); }
  getRule(...a: Parameters<EventBusStore['getRule']>): ReturnType<EventBusStore['getRule']> { return this.events.getRule(...a); }
  listRules(...a: Parameters<EventBusStore['listRules']>): ReturnType<EventBusStore['listRules']> { return this.events.listRules(...a); }
  setRuleState(...a: Parameters<EventBusStore['setRuleState']>): ReturnType<EventBusStore['setRuleState']> { return this.events.setRuleState(...a); }
  deleteRule(...a: Parameters<EventBusStore['deleteRule']>): ReturnType<EventBusStore['deleteRule']> { return this.events.deleteRule(...a); }
  scheduledRules(...a: Parameters<EventBusStore['scheduledRules']>): ReturnType<EventBusStore['scheduledRules']> { return this.events.scheduledRules(...a); }
  putTargets(...a: Parameters<EventBusStore['putTargets']>): ReturnType<EventBusStore['putTargets']> { return this.events.putTargets(...a); }
  removeTargets(...a: Parameters<EventBusStore['removeTargets']>): ReturnType<EventBusStore['removeTargets']> { return this.events.removeTargets(...a); }
  listTargets(...a: Parameters<EventBusStore['listTargets']>): ReturnType<EventBusStore['listTargets']> { return this.events.listTargets(...a); }
  getTarget(...a: Parameters<EventBusStore['getTarget']>): ReturnType<EventBusStore['getTarget']> { return this.events.getTarget(...a); }
  matchingCandidates(...a: Parameters<EventBusStore['matchingCandidates']>): ReturnType<EventBusStore['matchingCandidates']> { return this.events.matchingCandidates(...a); }
  changeEventTags(...a: Parameters<EventBusStore['changeEventTags']>): ReturnType<EventBusStore['changeEventTags']> { return this.events.changeEventTags(...a); }
  enqueueEventDeliveries(...a: Parameters<EventBusStore['enqueueEventDeliveries']>): ReturnType<EventBusStore['enqueueEventDeliveries']> { return this.events.enqueueEventDeliveries(...a); }
  leaseEventDeliveries(...a: Parameters<EventBusStore['leaseEventDeliveries']>): ReturnType<EventBusStore['leaseEventDeliveries']> { return this.events.leaseEventDeliveries(...a); }
  finishEventDelivery(...a: Parameters<EventBusStore['finishEventDelivery']>): ReturnType<EventBusStore['finishEventDelivery']> { return this.events.finishEventDelivery(...a); }
  retryEventDelivery(...a: Parameters<EventBusStore['retryEventDelivery']>): ReturnType<EventBusStore['retryEventDelivery']> { return this.events.retryEventDelivery(...a); }
  releaseEventDeliveryLeases(...a: Parameters<EventBusStore['releaseEventDeliveryLeases']>): ReturnType<EventBusStore['releaseEventDeliveryLeases']> { return this.events.releaseEventDeliveryLeases(...a); }
  // ---- Parameters (src/store/parameters.ts): parameter-sql.ts, one transaction (synchronous commit) per method.
  putParameter(p: NewParameterVersion, opts: ParameterPutOptions): ReturnType<ParameterStore['putParameter']> { return this.parameters.putParameter(p, opts); }
  getParameterVersions(name: string): ReturnType<ParameterStore['getParameterVersions']> { return this.parameters.getParameterVersions(name); }
  getLatestParameters(names: string[]): ReturnType<ParameterStore['getLatestParameters']> { return this.parameters.getLatestParameters(names); }
  listParameters(q: { prefix?: string; afterName?: string; limit: number }): ReturnType<ParameterStore['listParameters']> { return this.parameters.listParameters(q); }
  deleteParameters(names: string[]): ReturnType<ParameterStore['deleteParameters']> { return this.parameters.deleteParameters(names); }
  labelParameterVersion(name: string, version: number | undefined, labels: string[], labelsMax: number): ReturnType<ParameterStore['labelParameterVersion']> { return this.parameters.labelParameterVersion(name, version, labels, labelsMax); }
  unlabelParameterVersion(name: string, version: number, labels: string[]): ReturnType<ParameterStore['unlabelParameterVersion']> { return this.parameters.unlabelParameterVersion(name, version, labels); }
  changeParameterTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<ParameterStore['changeParameterTags']> { return this.parameters.changeParameterTags(name, change, tagsMax); }
  getParameterTags(name: string): ReturnType<ParameterStore['getParameterTags']> { return this.parameters.getParameterTags(name); }
  // ---- Schedules (src/store/schedules.ts): ./schedules.ts, the logic shared with the other store in schedule-sql.ts.
  createScheduleGroup(...a: Parameters<ScheduleStore['createScheduleGroup']>): ReturnType<ScheduleStore['createScheduleGroup']> { return this.schedules.createScheduleGroup(...a); }
  getScheduleGroup(name: string): ReturnType<ScheduleStore['getScheduleGroup']> { return this.schedules.getScheduleGroup(name); }
  listScheduleGroups(...a: Parameters<ScheduleStore['listScheduleGroups']>): ReturnType<ScheduleStore['listScheduleGroups']> { return this.schedules.listScheduleGroups(...a); }
  deleteScheduleGroup(name: string): ReturnType<ScheduleStore['deleteScheduleGroup']> { return this.schedules.deleteScheduleGroup(name); }
  changeScheduleGroupTags(...a: Parameters<ScheduleStore['changeScheduleGroupTags']>): ReturnType<ScheduleStore['changeScheduleGroupTags']> { return this.schedules.changeScheduleGroupTags(...a); }
  createSchedule(...a: Parameters<ScheduleStore['createSchedule']>): ReturnType<ScheduleStore['createSchedule']> { return this.schedules.createSchedule(...a); }
  getSchedule(group: string, name: string): ReturnType<ScheduleStore['getSchedule']> { return this.schedules.getSchedule(group, name); }
  updateSchedule(...a: Parameters<ScheduleStore['updateSchedule']>): ReturnType<ScheduleStore['updateSchedule']> { return this.schedules.updateSchedule(...a); }
  deleteSchedule(group: string, name: string): ReturnType<ScheduleStore['deleteSchedule']> { return this.schedules.deleteSchedule(group, name); }
  listSchedules(...a: Parameters<ScheduleStore['listSchedules']>): ReturnType<ScheduleStore['listSchedules']> { return this.schedules.listSchedules(...a); }
  listRuleTimers(): ReturnType<ScheduleStore['listRuleTimers']> { return this.schedules.listRuleTimers(); }
  putRuleTimer(...a: Parameters<ScheduleStore['putRuleTimer']>): ReturnType<ScheduleStore['putRuleTimer']> { return this.schedules.putRuleTimer(...a); }
  deleteRuleTimer(arn: string): ReturnType<ScheduleStore['deleteRuleTimer']> { return this.schedules.deleteRuleTimer(arn); }
  claimDueTimers(...a: Parameters<ScheduleStore['claimDueTimers']>): ReturnType<ScheduleStore['claimDueTimers']> { return this.schedules.claimDueTimers(...a); }
  leaseFires(limit: number, leaseMs: number): ReturnType<ScheduleStore['leaseFires']> { return this.schedules.leaseFires(limit, leaseMs); }
  finishFire(id: string): ReturnType<ScheduleStore['finishFire']> { return this.schedules.finishFire(id); }
  retryFire(id: string, attempts: number, delayMs: number): ReturnType<ScheduleStore['retryFire']> { return this.schedules.retryFire(id, attempts, delayMs); }
  releaseFireLeases(): ReturnType<ScheduleStore['releaseFireLeases']> { return this.schedules.releaseFireLeases(); }
  nextWakeDelayMs(): ReturnType<ScheduleStore['nextWakeDelayMs']> { return this.schedules.nextWakeDelayMs(); }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.listener.close();
    if (this.owners.size) {
      const owners = [...this.owners];
      this.owners.clear();
      try {
        await this.q('UPDATE async_events SET lease_until_ms = 0, lease_owner = NULL WHERE lease_owner = ANY($1::text[])', [owners]);
        await this.q('DELETE FROM async_owners WHERE id = ANY($1::text[])', [owners]);
      } catch {
        // The database is unreachable: the leases are released when the heartbeat goes stale.
      }
    }
    await this.pool.end();
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export interface OwnerTiming {
  ownerHeartbeatMs?: number;
  ownerStaleMs?: number;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const layerKeys = (rec: VersionRecord) => rec.config.layers.map((l) => l.codeKey);
/** The versions an alias points at (the primary and the weighted one): what DeleteVersion must not remove. */
const aliasVersions = (rec: AliasRecord) => [rec.functionVersion, ...Object.keys(rec.additionalVersionWeights)];

async function insertVersion(c: pg.PoolClient, rec: VersionRecord): Promise<void> {
  await c.query(
    'INSERT INTO versions (function_name, version, record, revision_id, code_key, code_size, layer_keys) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [rec.functionName, rec.version, JSON.stringify(rec), rec.revisionId, rec.codeKey, rec.codeSize, layerKeys(rec)],
  );
}

/** One INSERT per batch (arrays unnested in order), not one per line. */
async function insertEvents(c: pg.PoolClient, group: string, stream: string, events: LogEvent[], ingestionMs: number | null): Promise<void> {
  if (events.length === 0) return;
  await c.query(
    `INSERT INTO log_events (log_group, log_stream, ts_ms, message, ingest_ms)
     SELECT $1, $2, u.t, u.m, $5 FROM unnest($3::bigint[], $4::bytea[]) WITH ORDINALITY AS u(t, m, i) ORDER BY u.i`,
    [group, stream, events.map((e) => e.timestampMs), events.map((e) => Buffer.from(e.message)), ingestionMs],
  );
}

/** The group and stream rows of a batch (statistics as AWS reports them), in the batch's transaction. */
async function touchStream(c: pg.PoolClient, group: string, stream: string, events: LogEvent[], now: number): Promise<void> {
  if (events.length === 0) return;
  let first = Infinity;
  let last = -Infinity;
  let bytes = 0;
  for (const e of events) {
    if (e.timestampMs < first) first = e.timestampMs;
    if (e.timestampMs > last) last = e.timestampMs;
    bytes += Buffer.byteLength(e.message);
  }
  await c.query('INSERT INTO log_groups (name, created_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING', [group, now]);
  await c.query(
    `INSERT INTO log_streams (log_group, name, created_ms, first_ts, last_ts, last_ingest_ms, stored_bytes, seq)
     VALUES ($1, $2, $3, $4, $5, $3, $6, 1)
     ON CONFLICT (log_group, name) DO UPDATE SET
       first_ts = LEAST(COALESCE(log_streams.first_ts, excluded.first_ts), excluded.first_ts),
       last_ts = GREATEST(COALESCE(log_streams.last_ts, excluded.last_ts), excluded.last_ts),
       last_ingest_ms = excluded.last_ingest_ms, stored_bytes = log_streams.stored_bytes + excluded.stored_bytes,
       seq = log_streams.seq + 1`,
    [group, stream, now, first, last, bytes],
  );
}

function addRange(where: string[], p: (v: unknown) => string, q: { startMs?: number; endMs?: number; after?: LogCursor }): void {
  if (q.startMs !== undefined) where.push(`ts_ms >= ${p(q.startMs)}`);
  if (q.endMs !== undefined) where.push(`ts_ms < ${p(q.endMs)}`);
  if (q.after) where.push(`(ts_ms, id) > (${p(q.after.timestampMs)}, ${p(q.after.id)})`);
}

const groupSelect = `SELECT g.*, (SELECT COALESCE(SUM(stored_bytes), 0)::bigint FROM log_streams s WHERE s.log_group = g.name) AS bytes FROM log_groups g`;

interface FnRow {
  name: string;
  created_at: string;
  record: string;
}
interface AsyncRow {
  id: string;
  function_name: string;
  qualifier: string;
  payload: Buffer;
  request_id: string;
  attempts: number;
  due_at_ms: number;
  enqueued_at_ms: number;
  client_context: string | null;
  trace_header: string | null;
  /** The database's now minus enqueued_at_ms (RETURNING of a lease). */
  age_ms: number;
}
interface GroupRow {
  name: string;
  created_ms: number;
  retention_days: number | null;
  kms_key_id: string | null;
  bytes: number;
}
interface StreamRow {
  log_group: string;
  name: string;
  created_ms: number;
  first_ts: number | null;
  last_ts: number | null;
  last_ingest_ms: number | null;
  stored_bytes: number;
  seq: number;
}
interface EventRow {
  id: number;
  log_stream: string;
  ts_ms: number;
  message: Buffer;
  ingest_ms: number | null;
}

const toFunction = (r: FnRow): FunctionRecord => ({ name: r.name, createdAt: r.created_at, latest: JSON.parse(r.record) as VersionRecord });
/** `age_ms` is measured by the database; the enqueue moment is given on this process's clock (`nowMs`). */
const toAsync = (r: AsyncRow, nowMs: number): AsyncEvent => ({
  id: r.id, functionName: r.function_name, qualifier: r.qualifier, payload: r.payload, requestId: r.request_id, attempts: r.attempts,
  enqueuedAtMs: nowMs - r.age_ms, clientContext: r.client_context ?? undefined, ...(r.trace_header ? { traceHeader: r.trace_header } : {}),
});
const toGroup = (r: GroupRow): LogGroupRecord => ({
  name: r.name, createdMs: r.created_ms, retentionDays: r.retention_days, kmsKeyId: r.kms_key_id, storedBytes: r.bytes,
});
const toStream = (r: StreamRow): LogStreamRecord => ({
  group: r.log_group, name: r.name, createdMs: r.created_ms, firstEventMs: r.first_ts, lastEventMs: r.last_ts,
  lastIngestionMs: r.last_ingest_ms, storedBytes: r.stored_bytes, sequence: r.seq,
});
// Function log lines carry no ingestion time of their own: they are ingested when written.
const toEvent = (r: EventRow): StoredLogEvent => ({
  id: r.id, stream: r.log_stream, timestampMs: r.ts_ms, message: r.message.toString('utf8'), ingestionMs: r.ingest_ms ?? r.ts_ms,
});

/**
 * Inside a transaction, holding the function row's lock (as deleteVersion
 * does): the function or a routed version that does not exist.
 */
async function missingRoute(c: pg.PoolClient, rec: AliasRecord): Promise<AliasWriteResult | undefined> {
  const fn = await c.query('SELECT 1 FROM functions WHERE name = $1 FOR UPDATE', [rec.functionName]);
  if (!fn.rows[0]) return { kind: 'no-function' };
  for (const v of [rec.functionVersion, ...Object.keys(rec.additionalVersionWeights)]) {
    const r = await c.query('SELECT 1 FROM versions WHERE function_name = $1 AND version = $2', [rec.functionName, v]);
    if (!r.rows[0]) return { kind: 'no-version', version: v };
  }
  return undefined;
}
