import type { CheckpointStore } from '../checkpoints';
import type { NewShard, NewStreamRecord, StreamStore } from '../streams';
import type { EventBusStore } from '../events';
import { SqliteEvents, sqliteEventMigration } from './events';
import { eventBusPolicyMigration } from '../event-sql';
import { streamPolicyMigration } from '../stream-sql';
import { SqliteStreams, sqliteCheckpointWindowMigration, sqliteStreamMigration, sqliteStreamRecordsByShardMigration } from './streams';
import { SqliteAudit, sqliteAuditMigration, sqliteAuditUserNameMigration } from './audit';
import { SqliteMetrics, sqliteMetricsMigration } from './metrics';
import { SqliteSubscriptionFilters } from './subscription-filters';
import { subscriptionFiltersMigration, type PutSubscriptionResult, type SubscriptionFilterRecord } from '../subscription-filters';
import type { MetricPoint, MetricSeriesKey } from '../metrics';
import { ParameterOps, parameterTablesSqlite } from '../parameter-ops';
import { delegateIdentity, IdentityOps, identityTablesSqlite } from '../identity-ops';
import type { IdentityStore } from '../identity';
import type { NewParameterVersion, ParameterPutOptions, ParameterStore } from '../parameters';
import { SqliteSchedules, sqliteScheduleMigration } from './schedules';
import type { ScheduleStore } from '../schedules';
import type { PublishedMessage, SubscriptionRecord, TopicRecord, TopicStore } from '../topics';
import { SqliteTopics, sqliteTopicMigration } from './topics';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fsyncDir } from '../../fs-util';
import Database from 'better-sqlite3';
import type {
  AliasRecord, AsyncEvent, FunctionRecord, LayerVersionRecord, LogBatch, LogCursor, LogEvent, LogGroupRecord, LogStreamRecord, NewAsyncEvent,
  StoredLogEvent, VersionRecord,
} from '../../domain/records';
import type { AliasWriteResult, EventInvokeConfigRecord, FunctionPolicyRecord, FunctionUrlRecord, Store, TagChange, TagChangeResult } from '../types';
import { StoreConflict } from '../types';
import { SqliteHttpApis, httpApisMigration } from './http-apis';
import type { HttpApiRecord } from '../../http-apis/records';
import { SqliteFunctionUrls, deleteFunctionUrlsSql, deleteQualifierFunctionUrlSql, functionUrlsMigration } from './function-urls';
import { SqliteFunctionPolicies, deleteFunctionPoliciesSql, deleteQualifierPolicySql, functionPoliciesMigration } from './function-policies';
import { SqliteInvokeConfigs, deleteFunctionInvokeConfigsSql, deleteQualifierInvokeConfigSql, invokeConfigsMigration } from './invoke-configs';
import type { EventSourceMappingQuery, EventSourceMappingRecord } from '../types';
import { SqliteEventSourceMappings, eventSourceMappingsMigration } from './event-source-mappings';
import * as qsql from '../queue-sql';
import type { NewQueueMessage, QueueStore, ReceiveOptions } from '../queues';
import { readSqlite, readSqliteAt, runSqlite, SqliteGroupCommit, sqliteQueueMigration } from './queue-driver';
import { SqliteReservedConcurrency, deleteFunctionConcurrencySql, reservedConcurrencyMigration } from './reserved-concurrency';
import {
  SqliteProvisionedConcurrency, deleteFunctionProvisionedSql, deleteQualifierProvisionedSql, provisionedConcurrencyMigration,
} from './provisioned-concurrency';
import type { ProvisionedConcurrencyRecord } from '../../domain/records';
import { SyncCoalescer } from './wal-sync';
import type { AuditQuery, AuditRow, AuditStore, NewAuditEvent } from '../audit';

/**
 * The logs database is checkpointed by the store itself once about this much
 * log text was written since the last checkpoint (SQLite's own automatic
 * checkpoint, 1,000 pages of 4 KiB, is turned off for it; see `appendLogs`).
 */
const logCheckpointBytes = 4 * 1024 * 1024;
/** What a log row costs in the WAL beyond its message (ids, names, timestamp, b-tree cell), for the estimate above. */
const logRowOverheadBytes = 64;

/**
 * SQLite implementation of `Store`. AWS acknowledges only durable writes; so
 * do we: every method that writes resolves only once its commit is on disk,
 * against a machine crash, not only a process crash. The main database is
 * WAL-journalled with synchronous=NORMAL, and the fsync that makes a commit
 * durable is ours, off the event loop (see `db`).
 */
// IAM (../identity.ts): its methods are IdentityOps' (identity-sql.ts), bound in the constructor by delegateIdentity.
export interface SqliteStore extends IdentityStore {}
export class SqliteStore implements Store {
  /**
   * The main database. With synchronous=FULL better-sqlite3 fsynced the WAL
   * inside every commit, on the event loop (2–9 ms each under load, every
   * other request waiting). Now: synchronous=NORMAL, under which a WAL-mode
   * commit does not sync but SQLite still syncs where its own safety needs
   * it: the WAL before a checkpoint copies it into the database file, the
   * database file after the checkpoint (before the WAL may be reused), and the
   * WAL header when the WAL is reused from its start (so a crash cannot
   * replay a prefix of the previous, already checkpointed, generation). OFF
   * would skip those three as well, and the last one cannot be done from
   * outside SQLite. A write method then calls `committed()` after its commit:
   * it resolves after an fsync of the WAL that began after that commit, run
   * on libuv's thread pool and shared by every writer waiting meanwhile
   * (`SyncCoalescer`, wal-sync.ts). Why that is durable: the commit's frames
   * were written to the WAL file (the OS page cache) before the fsync began,
   * so the fsync puts them on disk; they leave the WAL only by a checkpoint
   * that synced them into the database file first (NORMAL); and WAL recovery
   * replays frames in order up to the first one whose salt or cumulative
   * checksum is wrong, so what a crash keeps is a prefix of the commits in
   * commit order — a later write that survived never outlives an earlier one
   * it read. SQLite's automatic checkpoint (every 1,000 pages) stays on: under
   * NORMAL it syncs as above (two fsyncs per ~4 MiB of WAL, on the event
   * loop, against one per commit before). Reads never wait; a read may see a
   * commit whose fsync is still running (its writer not answered yet) and
   * that a machine crash would then undo, as a write whose answer never came.
   */
  private readonly db: Database.Database;
  /**
   * The main WAL's path and a descriptor on it. SQLite creates the WAL once
   * and, while any connection is open (this one is until `close`), reuses it
   * from its start after a checkpoint instead of deleting it (a TRUNCATE
   * checkpoint shortens it, the same inode), so the descriptor opened at the
   * first sync names the live WAL for the connection's lifetime.
   */
  private readonly walFile: string;
  private walFd: number | undefined;
  private readonly walSync = new SyncCoalescer(() => this.fsyncWal());
  /**
   * Function logs live in a database of their own without fsync per commit
   * (synchronous=OFF): a batch of log lines must never stall the event loop on
   * the disk (with FULL, one flush under load blocked invokes for up to a
   * second). A machine crash can lose the last moments of logs, as with
   * AWS's asynchronous log delivery; metadata and the async queue are durable per write (`db`).
   * A durable append (`appendLogs(…, { durable: true })`) then fsyncs the WAL
   * file from the thread pool (the event loop does not wait on the disk).
   * That covers every line written so far only if no log page leaves the WAL
   * unsynced: automatic checkpoints are off, and the store checkpoints under
   * FULL (WAL synced before, database file synced after) every
   * `logCheckpointBytes`.
   */
  private readonly logDb: Database.Database;
  private readonly logWalFile: string;
  private logWalFd: number | undefined;
  private logBytesSinceCheckpoint = 0;
  private readonly st: ReturnType<SqliteStore['prepare']>;
  private readonly topics: SqliteTopics;
  private readonly streams: SqliteStreams;
  private readonly audit: SqliteAudit;
  private readonly metrics: SqliteMetrics;
  private readonly subscriptions: SqliteSubscriptionFilters;
  private readonly events: SqliteEvents;
  private readonly parameters: ParameterOps;
  private readonly schedules: SqliteSchedules;
  private readonly lst: ReturnType<SqliteStore['prepareLogs']>;

  /**
   * `readOnly`: for a reader beside a running server (`kumo logs --data-dir`).
   * Both files are opened read-only and never migrated: a reader must not
   * change the schema under a live server, so a schema version other than
   * this build's is refused (StoreSchemaMismatch) instead. Every write then
   * fails.
   */
  constructor(file: string, opts: { readOnly?: boolean } = {}) {
    const logFile = file.replace(/(\.db)?$/, '-logs.db');
    this.logWalFile = `${logFile}-wal`;
    this.walFile = `${file}-wal`;
    this.readOnly = opts.readOnly === true;
    if (this.readOnly) {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      this.logDb = new Database(logFile, { readonly: true, fileMustExist: true });
      for (const d of [this.db, this.logDb]) d.pragma('busy_timeout = 5000');
      checkSchema(this.db, migrations, file);
      checkSchema(this.logDb, logMigrations, logFile);
    } else {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      // NORMAL, not FULL: commits do not sync, `committed()` does it off the event loop (see `db`).
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db, migrations);
      this.logDb = new Database(logFile);
      this.logDb.pragma('journal_mode = WAL');
      this.logDb.pragma('synchronous = OFF');
      this.logDb.pragma('busy_timeout = 5000');
      this.logDb.pragma('wal_autocheckpoint = 0');
      migrate(this.logDb, logMigrations);
    }
    this.st = this.prepare();
    this.lst = this.prepareLogs();
    this.invokeConfigs = new SqliteInvokeConfigs(this.db);
    this.functionUrls = new SqliteFunctionUrls(this.db);
    this.functionPolicies = new SqliteFunctionPolicies(this.db);
    this.httpApis = new SqliteHttpApis(this.db);
    this.esm = new SqliteEventSourceMappings(this.db);
    this.topics = new SqliteTopics(this.db);
    this.streams = new SqliteStreams(this.db);
    this.audit = new SqliteAudit(this.db);
    this.metrics = new SqliteMetrics(this.db);
    this.subscriptions = new SqliteSubscriptionFilters(this.logDb);
    this.events = new SqliteEvents(this.db);
    this.parameters = new ParameterOps(async (op, ...args) => runSqlite(this.db, op, ...args), async (op, ...args) => readSqliteAt(this.db, op, ...args));
    // IAM: writes answer once durable, as every other write here.
    delegateIdentity(this, new IdentityOps(async (op, ...args) => this.durable(Promise.resolve(runSqlite(this.db, op, ...args))), async (op, ...args) => readSqliteAt(this.db, op, ...args)));
    this.schedules = new SqliteSchedules(this.db);
    this.reserved = new SqliteReservedConcurrency(this.db);
    this.messageWrites = new SqliteGroupCommit(this.db, () => this.walSync.sync());
    this.provisioned = new SqliteProvisionedConcurrency(this.db);
  }

  /** Called by a write method after its commit: resolves once an fsync of the WAL that began after it completed (see `db`). */
  private committed(): Promise<void> {
    return this.walSync.sync();
  }

  /** A write delegated to another file's class: its commit is done when its promise settles, then the sync. */
  private async durable<T>(write: Promise<T>): Promise<T> {
    const v = await write;
    await this.committed();
    return v;
  }

  /** One fsync of the main WAL, on libuv's thread pool (`fs.fsync`, looked up per call so a test can observe it). */
  private async fsyncWal(): Promise<void> {
    if (this.walFd === undefined) {
      try {
        this.walFd = fs.openSync(this.walFile, 'r');
      } catch (e) {
        // No WAL yet: no commit has written a frame since the database was opened, nothing to sync.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      // The WAL's directory entry (and the database file's) must survive a crash too. SQLite syncs the
      // directory at its first sync of a WAL it created, which under NORMAL may not come before a
      // checkpoint; once per connection is enough (the WAL is not deleted while it is open).
      await fsyncDir(path.dirname(this.walFile));
    }
    const fd = this.walFd;
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
  }

  // ---- provisioned concurrency (provisioned-concurrency.ts)
  private readonly provisioned: SqliteProvisionedConcurrency;
  putProvisionedConcurrency(rec: ProvisionedConcurrencyRecord, reservableMax: number) {
    return this.durable(this.provisioned.putProvisionedConcurrency(rec, reservableMax));
  }
  deleteProvisionedConcurrency(fn: string, qualifier: string) {
    return this.durable(this.provisioned.deleteProvisionedConcurrency(fn, qualifier));
  }
  getProvisionedConcurrency(fn: string, qualifier: string) {
    return this.provisioned.getProvisionedConcurrency(fn, qualifier);
  }
  listProvisionedConcurrency(fn?: string) {
    return this.provisioned.listProvisionedConcurrency(fn);
  }

  /** The message writes (send, receive, delete) of one event-loop turn share one commit (one fsync): queue-driver.ts. */
  private readonly messageWrites: SqliteGroupCommit;

  // ---- reserved concurrency (reserved-concurrency.ts)
  private readonly reserved: SqliteReservedConcurrency;
  putReservedConcurrency(name: string, reserved: number, reservableMax: number) {
    return this.durable(this.reserved.putReservedConcurrency(name, reserved, reservableMax));
  }
  deleteReservedConcurrency(name: string) {
    return this.durable(this.reserved.deleteReservedConcurrency(name));
  }
  getReservedConcurrency(name: string) {
    return this.reserved.getReservedConcurrency(name);
  }
  listReservedConcurrency() {
    return this.reserved.listReservedConcurrency();
  }

  // ---- function URL configs (function-urls.ts)
  // ---- HTTP APIs (./http-apis.ts)
  private readonly httpApis: SqliteHttpApis;
  createHttpApi(rec: HttpApiRecord) {
    return this.durable(this.httpApis.createHttpApi(rec));
  }
  getHttpApi(apiId: string) {
    return this.httpApis.getHttpApi(apiId);
  }
  listHttpApis(afterId: string | undefined, limit: number) {
    return this.httpApis.listHttpApis(afterId, limit);
  }
  updateHttpApi(apiId: string, change: (cur: HttpApiRecord) => HttpApiRecord) {
    return this.durable(this.httpApis.updateHttpApi(apiId, change));
  }
  deleteHttpApi(apiId: string) {
    return this.durable(this.httpApis.deleteHttpApi(apiId));
  }

  // ---- function policies (function-policies.ts)
  private readonly functionPolicies: SqliteFunctionPolicies;
  getFunctionPolicy(fn: string, qualifier: string) {
    return this.functionPolicies.getFunctionPolicy(fn, qualifier);
  }
  putFunctionPolicy(rec: FunctionPolicyRecord, expectedRevisionId: string | undefined) {
    return this.durable(this.functionPolicies.putFunctionPolicy(rec, expectedRevisionId));
  }

  private readonly functionUrls: SqliteFunctionUrls;
  createFunctionUrl(rec: FunctionUrlRecord) {
    return this.durable(this.functionUrls.createFunctionUrl(rec));
  }
  updateFunctionUrl(fn: string, qualifier: string, merge: (cur: FunctionUrlRecord) => FunctionUrlRecord) {
    return this.durable(this.functionUrls.updateFunctionUrl(fn, qualifier, merge));
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
    return this.durable(this.functionUrls.deleteFunctionUrl(fn, qualifier));
  }

  // ---- event invoke configs (invoke-configs.ts)
  private readonly invokeConfigs: SqliteInvokeConfigs;
  putInvokeConfig(rec: EventInvokeConfigRecord) {
    return this.durable(this.invokeConfigs.putInvokeConfig(rec));
  }
  updateInvokeConfig(fn: string, qualifier: string, merge: (cur: EventInvokeConfigRecord) => EventInvokeConfigRecord) {
    return this.durable(this.invokeConfigs.updateInvokeConfig(fn, qualifier, merge));
  }
  getInvokeConfig(fn: string, qualifier: string) {
    return this.invokeConfigs.getInvokeConfig(fn, qualifier);
  }
  listInvokeConfigs(fn: string, afterQualifier: string | undefined, limit: number) {
    return this.invokeConfigs.listInvokeConfigs(fn, afterQualifier, limit);
  }
  deleteInvokeConfig(fn: string, qualifier: string) {
    return this.durable(this.invokeConfigs.deleteInvokeConfig(fn, qualifier));
  }

  private readonly esm: SqliteEventSourceMappings;

  // ---- event source mappings (event-source-mappings.ts: their own file)
  createEventSourceMapping(rec: EventSourceMappingRecord): Promise<void> {
    return this.durable(this.esm.createEventSourceMapping(rec));
  }
  getEventSourceMapping(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    return this.esm.getEventSourceMapping(uuid);
  }
  listEventSourceMappings(q: EventSourceMappingQuery): Promise<EventSourceMappingRecord[]> {
    return this.esm.listEventSourceMappings(q);
  }
  updateEventSourceMapping(rec: EventSourceMappingRecord, expectedRevisionId: string): Promise<boolean> {
    return this.durable(this.esm.updateEventSourceMapping(rec, expectedRevisionId));
  }
  deleteEventSourceMapping(uuid: string, expectedRevisionId: string): Promise<boolean> {
    return this.durable(this.esm.deleteEventSourceMapping(uuid, expectedRevisionId));
  }

  private readonly readOnly: boolean;

  /** Statements of the CloudWatch Logs metadata (log groups, streams, retention). */
  private prepareLogs() {
    const d = this.logDb;
    return {
      touchGroup: d.prepare('INSERT OR IGNORE INTO log_groups (name, created_ms) VALUES (?, ?)'),
      // One row per stream and batch (not per line): statistics kept as AWS reports them.
      touchStream: d.prepare(
        `INSERT INTO log_streams (log_group, name, created_ms, first_ts, last_ts, last_ingest_ms, stored_bytes, seq)
         VALUES (@group, @stream, @now, @first, @last, @now, @bytes, 1)
         ON CONFLICT (log_group, name) DO UPDATE SET
           first_ts = MIN(COALESCE(first_ts, excluded.first_ts), excluded.first_ts),
           last_ts = MAX(COALESCE(last_ts, excluded.last_ts), excluded.last_ts),
           last_ingest_ms = excluded.last_ingest_ms, stored_bytes = stored_bytes + excluded.stored_bytes, seq = seq + 1`,
      ),
      insEvent: d.prepare('INSERT INTO log_events (log_group, log_stream, ts_ms, message, ingest_ms) VALUES (?, ?, ?, ?, ?)'),
      insGroup: d.prepare('INSERT OR IGNORE INTO log_groups (name, created_ms, kms_key_id) VALUES (?, ?, ?)'),
      getGroup: d.prepare(
        `SELECT g.*, (SELECT COALESCE(SUM(stored_bytes), 0) FROM log_streams s WHERE s.log_group = g.name) AS bytes
         FROM log_groups g WHERE name = ?`,
      ),
      setRetention: d.prepare('UPDATE log_groups SET retention_days = ? WHERE name = ?'),
      withRetention: d.prepare('SELECT name, retention_days FROM log_groups WHERE retention_days IS NOT NULL'),
      delGroupStreams: d.prepare('DELETE FROM log_streams WHERE log_group = ?'),
      delGroup: d.prepare('DELETE FROM log_groups WHERE name = ?'),
      insStream: d.prepare('INSERT OR IGNORE INTO log_streams (log_group, name, created_ms, stored_bytes, seq) VALUES (?, ?, ?, 0, 0)'),
      getStream: d.prepare('SELECT * FROM log_streams WHERE log_group = ? AND name = ?'),
      delStream: d.prepare('DELETE FROM log_streams WHERE log_group = ? AND name = ?'),
      delStreamEvents: d.prepare('DELETE FROM log_events WHERE log_group = ? AND log_stream = ?'),
      expiredPerStream: d.prepare(
        `SELECT log_stream, COUNT(*) AS n, SUM(length(CAST(message AS BLOB))) AS bytes, MAX(id) AS maxId FROM
           (SELECT id, log_stream, message FROM log_events WHERE log_group = ? AND ts_ms < ? ORDER BY ts_ms, id LIMIT ?)
         GROUP BY log_stream`,
      ),
      expire: d.prepare(
        `DELETE FROM log_events WHERE id IN
           (SELECT id FROM log_events WHERE log_group = ? AND ts_ms < ? ORDER BY ts_ms, id LIMIT ?)`,
      ),
      // After expiry: the stream's bytes shrink and its first event moves on (null when none is left).
      restat: d.prepare(
        `UPDATE log_streams SET stored_bytes = MAX(0, stored_bytes - @bytes),
           first_ts = (SELECT MIN(ts_ms) FROM log_events WHERE log_group = @group AND log_stream = @stream)
         WHERE log_group = @group AND name = @stream`,
      ),
    };
  }

  private prepare() {
    const d = this.db;
    return {
      insertFn: d.prepare('INSERT INTO functions (name, created_at) VALUES (?, ?)'),
      insertVer: d.prepare(
        'INSERT INTO versions (function_name, version, record, revision_id) VALUES (?, ?, ?, ?)',
      ),
      getFn: d.prepare(
        `SELECT f.name, f.created_at, v.record FROM functions f
         JOIN versions v ON v.function_name = f.name AND v.version = '$LATEST' WHERE f.name = ?`,
      ),
      listFn: d.prepare(
        `SELECT f.name, f.created_at, v.record FROM functions f
         JOIN versions v ON v.function_name = f.name AND v.version = '$LATEST'
         WHERE f.name > ? ORDER BY f.name LIMIT ?`,
      ),
      casLatest: d.prepare(
        `UPDATE versions SET record = ?, revision_id = ?
         WHERE function_name = ? AND version = '$LATEST' AND revision_id = ?`,
      ),
      delVersions: d.prepare('DELETE FROM versions WHERE function_name = ?'),
      delFn: d.prepare('DELETE FROM functions WHERE name = ?'),
      count: d.prepare(
        `SELECT COUNT(*) AS n, COALESCE(SUM(json_extract(record, '$.codeSize')), 0) AS total FROM versions`,
      ),
      fnCount: d.prepare('SELECT COUNT(*) AS n FROM functions'),
      codeKeys: d.prepare(
        `SELECT json_extract(record, '$.codeKey') AS k FROM versions
         UNION SELECT json_extract(j.value, '$.codeKey') FROM versions, json_each(json_extract(versions.record, '$.config.layers')) j
         UNION SELECT json_extract(record, '$.codeKey') FROM layer_versions`,
      ),
      getVer: d.prepare('SELECT record FROM versions WHERE function_name = ? AND version = ?'),
      listVer: d.prepare(
        `SELECT record FROM versions WHERE function_name = ? AND version != '$LATEST' AND CAST(version AS INTEGER) > ?
         ORDER BY CAST(version AS INTEGER) LIMIT ?`,
      ),
      aliasesFor: d.prepare(
        `SELECT name FROM aliases WHERE function_name = ? AND (json_extract(record, '$.functionVersion') = ?
           OR json_extract(record, '$.additionalVersionWeights') LIKE '%"' || ? || '"%') ORDER BY name`,
      ),
      newestVer: d.prepare(
        `SELECT record FROM versions WHERE function_name = ? AND version != '$LATEST' ORDER BY CAST(version AS INTEGER) DESC LIMIT 1`,
      ),
      delVer: d.prepare(`DELETE FROM versions WHERE function_name = ? AND version = ? AND version != '$LATEST'`),
      lastVer: d.prepare('SELECT last_version FROM functions WHERE name = ?'),
      setLastVer: d.prepare('UPDATE functions SET last_version = ? WHERE name = ?'),
      insAlias: d.prepare('INSERT INTO aliases (function_name, name, record, revision_id) VALUES (?, ?, ?, ?)'),
      getAlias: d.prepare('SELECT record FROM aliases WHERE function_name = ? AND name = ?'),
      listAlias: d.prepare('SELECT record FROM aliases WHERE function_name = ? AND name > ? ORDER BY name LIMIT ?'),
      casAlias: d.prepare('UPDATE aliases SET record = ?, revision_id = ? WHERE function_name = ? AND name = ? AND revision_id = ?'),
      delAlias: d.prepare('DELETE FROM aliases WHERE function_name = ? AND name = ?'),
      delAliases: d.prepare('DELETE FROM aliases WHERE function_name = ?'),
      getTags: d.prepare('SELECT tags FROM functions WHERE name = ?'),
      setTags: d.prepare('UPDATE functions SET tags = ? WHERE name = ?'),
      layerLast: d.prepare('SELECT last_version FROM layers WHERE name = ?'),
      layerUpsert: d.prepare(
        'INSERT INTO layers (name, last_version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET last_version = excluded.last_version',
      ),
      insLayerVer: d.prepare('INSERT INTO layer_versions (layer_name, version, record) VALUES (?, ?, ?)'),
      getLayerVer: d.prepare('SELECT record FROM layer_versions WHERE layer_name = ? AND version = ?'),
      listLayerVer: d.prepare(
        'SELECT record FROM layer_versions WHERE layer_name = ? AND version < ? ORDER BY version DESC LIMIT ?',
      ),
      listLayers: d.prepare(
        `SELECT lv.record FROM layer_versions lv
         JOIN (SELECT layer_name, MAX(version) AS v FROM layer_versions WHERE layer_name > ? GROUP BY layer_name) m
           ON m.layer_name = lv.layer_name AND m.v = lv.version
         ORDER BY lv.layer_name LIMIT ?`,
      ),
      delLayerVer: d.prepare('DELETE FROM layer_versions WHERE layer_name = ? AND version = ?'),
      casLayerPolicy: d.prepare(
        `UPDATE layer_versions SET record = ? WHERE layer_name = ? AND version = ?
         AND json_extract(record, '$.policyRevisionId') = ?`,
      ),
      enqueue: d.prepare(
        `INSERT INTO async_events (id, function_name, qualifier, payload, request_id, attempts, due_at_ms, enqueued_at_ms, client_context, trace_header, lease_until_ms)
         VALUES (@id, @functionName, @qualifier, @payload, @requestId, @attempts, @dueAtMs, @enqueuedAtMs, @clientContext, @traceHeader, 0)`,
      ),
      due: d.prepare(
        `SELECT * FROM async_events WHERE due_at_ms <= ? AND lease_until_ms <= ? ORDER BY due_at_ms LIMIT ?`,
      ),
      lease: d.prepare('UPDATE async_events SET lease_until_ms = ?, lease_owner = ? WHERE id = ?'),
      // Rows leased before owners were recorded (lease_owner NULL) belong to no live process either.
      recoverLeases: d.prepare(
        `UPDATE async_events SET lease_until_ms = 0, lease_owner = NULL
         WHERE lease_until_ms > 0 AND (lease_owner IS NULL OR lease_owner != ?)`,
      ),
      leasedBy: d.prepare('SELECT id FROM async_events WHERE lease_owner = ? AND lease_until_ms > 0'),
      unlease: d.prepare('UPDATE async_events SET lease_until_ms = 0, lease_owner = NULL WHERE id = ?'),
      resched: d.prepare('UPDATE async_events SET attempts = ?, due_at_ms = ?, lease_until_ms = 0, lease_owner = NULL WHERE id = ?'),
      delAsync: d.prepare('DELETE FROM async_events WHERE id = ?'),
      nextDue: d.prepare('SELECT MIN(MAX(due_at_ms, lease_until_ms)) AS t FROM async_events'),
      appendLog: this.logDb.prepare('INSERT INTO log_events (log_group, log_stream, ts_ms, message) VALUES (?, ?, ?, ?)'),
      delLogGroup: this.logDb.prepare('DELETE FROM log_events WHERE log_group = ?'),
    };
  }

  async createFunction(rec: FunctionRecord): Promise<void> {
    const tx = this.db.transaction(() => {
      const exists = this.db.prepare('SELECT 1 FROM functions WHERE name = ?').get(rec.name);
      if (exists) throw new StoreConflict(`Function already exist: ${rec.name}`);
      this.st.insertFn.run(rec.name, rec.createdAt);
      this.st.insertVer.run(rec.name, '$LATEST', JSON.stringify(rec.latest), rec.latest.revisionId);
      if (rec.tags) this.st.setTags.run(JSON.stringify(rec.tags), rec.name);
    });
    tx.immediate();
    await this.committed();
  }

  async getFunction(name: string): Promise<FunctionRecord | undefined> {
    const row = this.st.getFn.get(name) as FnRow | undefined;
    return row ? toFunction(row) : undefined;
  }

  async listFunctions(afterName: string | undefined, limit: number): Promise<FunctionRecord[]> {
    return (this.st.listFn.all(afterName ?? '', limit) as FnRow[]).map(toFunction);
  }

  async updateLatest(rec: VersionRecord, expectedRevisionId: string): Promise<boolean> {
    const r = this.st.casLatest.run(JSON.stringify(rec), rec.revisionId, rec.functionName, expectedRevisionId);
    await this.committed();
    return r.changes === 1;
  }

  async deleteFunction(name: string): Promise<boolean> {
    let deleted = false;
    this.db.transaction(() => {
      this.db.prepare(deleteFunctionInvokeConfigsSql).run(name);
      this.db.prepare(deleteFunctionUrlsSql).run(name);
      this.db.prepare(deleteFunctionPoliciesSql).run(name);
      this.db.prepare(deleteFunctionConcurrencySql).run(name);
      this.db.prepare(deleteFunctionProvisionedSql).run(name);
      this.st.delAliases.run(name);
      this.st.delVersions.run(name);
      deleted = this.st.delFn.run(name).changes === 1;
    }).immediate();
    await this.committed();
    return deleted;
  }

  async countFunctions(): Promise<{ count: number; totalCodeSize: number }> {
    const fn = this.st.fnCount.get() as { n: number };
    const v = this.st.count.get() as { n: number; total: number };
    return { count: fn.n, totalCodeSize: v.total };
  }

  async referencedCodeKeys(): Promise<Set<string>> {
    return new Set((this.st.codeKeys.all() as { k: string }[]).map((r) => r.k));
  }

  async publishVersion(
    name: string,
    expectedLatestRevision: string,
    build: (version: string) => VersionRecord,
  ): Promise<VersionRecord | undefined> {
    let out: VersionRecord | undefined;
    this.db.transaction(() => {
      const latest = this.st.getVer.get(name, '$LATEST') as { record: string } | undefined;
      if (!latest || (JSON.parse(latest.record) as VersionRecord).revisionId !== expectedLatestRevision) return;
      const last = (this.st.lastVer.get(name) as { last_version: number }).last_version;
      const rec = build(String(last + 1));
      this.st.insertVer.run(name, rec.version, JSON.stringify(rec), rec.revisionId);
      this.st.setLastVer.run(last + 1, name);
      out = rec;
    }).immediate();
    await this.committed();
    return out;
  }

  async publishVersionIfChanged(
    name: string,
    expectedLatestRevision: string,
    same: (newest: VersionRecord) => boolean,
    build: (version: string) => VersionRecord,
  ): Promise<{ rec: VersionRecord; created: boolean } | undefined> {
    let out: { rec: VersionRecord; created: boolean } | undefined;
    this.db.transaction(() => {
      const latest = this.st.getVer.get(name, '$LATEST') as { record: string } | undefined;
      if (!latest || (JSON.parse(latest.record) as VersionRecord).revisionId !== expectedLatestRevision) return;
      const newestRow = this.st.newestVer.get(name) as { record: string } | undefined;
      const newest = newestRow ? (JSON.parse(newestRow.record) as VersionRecord) : undefined;
      if (newest && same(newest)) {
        out = { rec: newest, created: false };
        return;
      }
      const last = (this.st.lastVer.get(name) as { last_version: number }).last_version;
      const rec = build(String(last + 1));
      this.st.insertVer.run(name, rec.version, JSON.stringify(rec), rec.revisionId);
      this.st.setLastVer.run(last + 1, name);
      out = { rec, created: true };
    }).immediate();
    await this.committed();
    return out;
  }

  async getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const r = this.st.getVer.get(name, version) as { record: string } | undefined;
    return r ? (JSON.parse(r.record) as VersionRecord) : undefined;
  }

  async listVersions(name: string, afterVersion: number, limit: number): Promise<VersionRecord[]> {
    return (this.st.listVer.all(name, afterVersion, limit) as { record: string }[]).map((r) => JSON.parse(r.record) as VersionRecord);
  }

  async deleteVersion(name: string, version: string): Promise<{ deleted: boolean; aliases: string[] }> {
    let result = { deleted: false, aliases: [] as string[] };
    this.db.transaction(() => {
      const aliases = (this.st.aliasesFor.all(name, version, version) as { name: string }[]).map((r) => r.name);
      if (aliases.length) result = { deleted: false, aliases };
      else result = { deleted: this.st.delVer.run(name, version).changes === 1, aliases: [] };
      // The version's event invoke config goes with it (a version number is never reused, but the row would linger).
      if (result.deleted) {
        this.db.prepare(deleteQualifierInvokeConfigSql).run(name, version);
        this.db.prepare(deleteQualifierProvisionedSql).run(name, version);
        this.db.prepare(deleteQualifierPolicySql).run(name, version);
      }
    }).immediate();
    await this.committed();
    return result;
  }

  async createAlias(rec: AliasRecord): Promise<void> {
    this.db.transaction(() => {
      if (this.st.getAlias.get(rec.functionName, rec.name)) throw new StoreConflict(`Alias already exists: ${rec.name}`);
      this.st.insAlias.run(rec.functionName, rec.name, JSON.stringify(rec), rec.revisionId);
    }).immediate();
    await this.committed();
  }

  async getAlias(functionName: string, name: string): Promise<AliasRecord | undefined> {
    const r = this.st.getAlias.get(functionName, name) as { record: string } | undefined;
    return r ? (JSON.parse(r.record) as AliasRecord) : undefined;
  }

  async listAliases(functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]> {
    return (this.st.listAlias.all(functionName, afterName ?? '', limit) as { record: string }[]).map(
      (r) => JSON.parse(r.record) as AliasRecord,
    );
  }

  async updateAlias(rec: AliasRecord, expectedRevisionId: string): Promise<boolean> {
    const out = this.st.casAlias.run(JSON.stringify(rec), rec.revisionId, rec.functionName, rec.name, expectedRevisionId).changes === 1;
    await this.committed();
    return out;
  }

  async deleteAlias(functionName: string, name: string): Promise<boolean> {
    let deleted = false;
    this.db.transaction(() => {
      deleted = this.st.delAlias.run(functionName, name).changes === 1;
      // The alias's event invoke config goes with it: an alias created again later starts without one.
      if (deleted) {
        this.db.prepare(deleteQualifierInvokeConfigSql).run(functionName, name);
        this.db.prepare(deleteQualifierProvisionedSql).run(functionName, name);
        // AWS deletes an alias's function URL with the alias (recorded: test_lambda_url_persists_after_alias_delete).
        this.db.prepare(deleteQualifierFunctionUrlSql).run(functionName, name);
        // The alias's policy goes with it: an alias created again later starts without one.
        this.db.prepare(deleteQualifierPolicySql).run(functionName, name);
      }
    }).immediate();
    await this.committed();
    return deleted;
  }

  async createAliasChecked(rec: AliasRecord): Promise<AliasWriteResult> {
    let out: AliasWriteResult = { kind: 'ok' };
    this.db.transaction(() => {
      const missing = this.missingRoute(rec);
      if (missing) return void (out = missing);
      if (this.st.getAlias.get(rec.functionName, rec.name)) return void (out = { kind: 'exists' });
      this.st.insAlias.run(rec.functionName, rec.name, JSON.stringify(rec), rec.revisionId);
    }).immediate();
    await this.committed();
    return out;
  }

  async updateAliasChecked(rec: AliasRecord, expectedRevisionId: string): Promise<AliasWriteResult> {
    let out: AliasWriteResult = { kind: 'ok' };
    this.db.transaction(() => {
      const missing = this.missingRoute(rec);
      if (missing) return void (out = missing);
      const r = this.st.casAlias.run(JSON.stringify(rec), rec.revisionId, rec.functionName, rec.name, expectedRevisionId);
      if (r.changes !== 1) out = { kind: 'stale' };
    }).immediate();
    await this.committed();
    return out;
  }

  /** Inside a transaction: the function or a routed version that does not exist. */
  private missingRoute(rec: AliasRecord): AliasWriteResult | undefined {
    if (!this.st.getVer.get(rec.functionName, '$LATEST')) return { kind: 'no-function' };
    for (const v of [rec.functionVersion, ...Object.keys(rec.additionalVersionWeights)]) {
      if (!this.st.getVer.get(rec.functionName, v)) return { kind: 'no-version', version: v };
    }
    return undefined;
  }

  async getTags(functionName: string): Promise<Record<string, string> | undefined> {
    const r = this.st.getTags.get(functionName) as { tags: string } | undefined;
    return r ? (JSON.parse(r.tags) as Record<string, string>) : undefined;
  }

  async setTags(functionName: string, tags: Record<string, string>): Promise<boolean> {
    const out = this.st.setTags.run(JSON.stringify(tags), functionName).changes === 1;
    await this.committed();
    return out;
  }

  async changeTags(functionName: string, change: TagChange, tagsMax: number): Promise<TagChangeResult> {
    let out: TagChangeResult = { kind: 'no-function' };
    this.db.transaction(() => {
      const r = this.st.getTags.get(functionName) as { tags: string } | undefined;
      if (!r) return;
      const tags = { ...(JSON.parse(r.tags) as Record<string, string>), ...change.set };
      for (const k of change.remove ?? []) delete tags[k];
      const count = Object.keys(tags).length;
      if (count > tagsMax) {
        out = { kind: 'too-many', count };
        return;
      }
      this.st.setTags.run(JSON.stringify(tags), functionName);
      out = { kind: 'ok', tags };
    }).immediate();
    await this.committed();
    return out;
  }

  async publishLayerVersion(layerName: string, build: (version: number) => LayerVersionRecord): Promise<LayerVersionRecord> {
    let out!: LayerVersionRecord;
    this.db.transaction(() => {
      const last = (this.st.layerLast.get(layerName) as { last_version: number } | undefined)?.last_version ?? 0;
      out = build(last + 1);
      this.st.insLayerVer.run(layerName, out.version, JSON.stringify(out));
      this.st.layerUpsert.run(layerName, out.version);
    }).immediate();
    await this.committed();
    return out;
  }

  async getLayerVersion(layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const r = this.st.getLayerVer.get(layerName, version) as { record: string } | undefined;
    return r ? (JSON.parse(r.record) as LayerVersionRecord) : undefined;
  }

  async listLayerVersions(layerName: string, beforeVersion: number, limit: number): Promise<LayerVersionRecord[]> {
    const before = Number.isFinite(beforeVersion) ? beforeVersion : Number.MAX_SAFE_INTEGER;
    return (this.st.listLayerVer.all(layerName, before, limit) as { record: string }[]).map(
      (r) => JSON.parse(r.record) as LayerVersionRecord,
    );
  }

  async listLayers(afterName: string | undefined, limit: number): Promise<LayerVersionRecord[]> {
    return (this.st.listLayers.all(afterName ?? '', limit) as { record: string }[]).map(
      (r) => JSON.parse(r.record) as LayerVersionRecord,
    );
  }

  async deleteLayerVersion(layerName: string, version: number): Promise<boolean> {
    const out = this.st.delLayerVer.run(layerName, version).changes === 1;
    await this.committed();
    return out;
  }

  async updateLayerVersionPolicy(rec: LayerVersionRecord, expectedPolicyRevisionId: string): Promise<boolean> {
    const out = this.st.casLayerPolicy.run(JSON.stringify(rec), rec.layerName, rec.version, expectedPolicyRevisionId).changes === 1;
    await this.committed();
    return out;
  }

  // The queue's times are this process's clock: one server process uses a data dir at a time, so it is the store's clock too.

  async enqueueAsync(ev: NewAsyncEvent, delayMs = 0): Promise<void> {
    const now = Date.now();
    this.st.enqueue.run({ ...ev, dueAtMs: now + delayMs, enqueuedAtMs: now, clientContext: ev.clientContext ?? null, traceHeader: ev.traceHeader ?? null });
    await this.committed();
  }

  async leaseDueAsync(leaseMs: number, limit: number, ownerId: string): Promise<AsyncEvent[]> {
    const out: AsyncEvent[] = [];
    this.db.transaction(() => {
      const now = Date.now();
      for (const r of this.st.due.all(now, now, limit) as AsyncRow[]) {
        this.st.lease.run(now + leaseMs, ownerId, r.id);
        out.push({
          id: r.id,
          functionName: r.function_name,
          qualifier: r.qualifier,
          payload: r.payload,
          requestId: r.request_id,
          attempts: r.attempts,
          enqueuedAtMs: r.enqueued_at_ms,
          clientContext: r.client_context ?? undefined,
          ...(r.trace_header ? { traceHeader: r.trace_header } : {}),
        });
      }
    }).immediate();
    // Nothing due: nothing written, nothing to wait for.
    if (out.length > 0) await this.committed();
    return out;
  }

  /** SQLite: one server process per data dir, so every other owner is gone (see `Store`). */
  async recoverAsyncLeases(ownerId: string): Promise<number> {
    const out = this.st.recoverLeases.run(ownerId).changes;
    await this.committed();
    return out;
  }

  async releaseAsyncLeases(ownerId: string, keepIds: readonly string[]): Promise<number> {
    const keep = new Set(keepIds);
    let out = 0;
    this.db.transaction(() => {
      for (const r of this.st.leasedBy.all(ownerId) as { id: string }[]) if (!keep.has(r.id)) out += this.st.unlease.run(r.id).changes;
    })();
    await this.committed();
    return out;
  }

  async rescheduleAsync(id: string, attempts: number, delayMs: number): Promise<void> {
    this.st.resched.run(attempts, Date.now() + delayMs, id);
    await this.committed();
  }

  async deleteAsync(id: string): Promise<void> {
    this.st.delAsync.run(id);
    await this.committed();
  }

  async nextAsyncDueInMs(): Promise<number | undefined> {
    const r = this.st.nextDue.get() as { t: number | null };
    return r.t === null ? undefined : Math.max(0, r.t - Date.now());
  }

  async appendLogs(batches: LogBatch[], opts: { durable?: boolean } = {}): Promise<void> {
    let bytes = 0;
    const now = Date.now();
    const write = this.logDb.transaction(() => {
      for (const b of batches) {
        for (const e of b.events) {
          this.st.appendLog.run(b.group, b.stream, e.timestampMs, e.message);
          bytes += e.message.length + logRowOverheadBytes;
        }
        // The group and stream rows: one upsert per stream and batch, never per line.
        this.touchStream(b.group, b.stream, b.events, now);
      }
    });
    write();
    this.logBytesSinceCheckpoint += bytes;
    if (this.logBytesSinceCheckpoint >= logCheckpointBytes) {
      this.logBytesSinceCheckpoint = 0;
      // PASSIVE: never waits for a reader (`kumo logs`); what it cannot copy stays in the WAL.
      this.withFullSync(() => this.logDb.pragma('wal_checkpoint(PASSIVE)'));
    }
    if (opts.durable) await this.syncLogWal();
  }

  /** An fsync of the logs database's WAL from the thread pool (what is committed there survives a machine crash once it resolves). */
  private async syncLogWal(): Promise<void> {
    // The WAL file lives as long as this connection (SQLite reuses it from the start after a checkpoint).
    if (this.logWalFd === undefined) {
      try {
        this.logWalFd = fs.openSync(this.logWalFile, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing written yet, nothing to sync
        throw e;
      }
    }
    await fsyncAsync(this.logWalFd);
  }

  /** A write to the logs database that must be durable when answered (subscription filters and their cursors). */
  private async logDurable<T>(write: Promise<T>): Promise<T> {
    const v = await write;
    await this.syncLogWal();
    return v;
  }

  /** Runs `fn` on the logs database with synchronous=FULL (commits and checkpoints sync), then back to OFF. */
  private withFullSync(fn: () => void): void {
    this.logDb.pragma('synchronous = FULL');
    try {
      fn();
    } finally {
      this.logDb.pragma('synchronous = OFF');
    }
  }

  /** The group and stream rows of a batch, in the batch's transaction (one upsert per batch, not per line). */
  private touchStream(group: string, stream: string, events: LogEvent[], now: number): void {
    if (events.length === 0) return;
    let first = Infinity;
    let last = -Infinity;
    let bytes = 0;
    for (const e of events) {
      if (e.timestampMs < first) first = e.timestampMs;
      if (e.timestampMs > last) last = e.timestampMs;
      bytes += Buffer.byteLength(e.message);
    }
    this.lst.touchGroup.run(group, now);
    this.lst.touchStream.run({ group, stream, now, first, last, bytes });
  }

  async createLogGroup(rec: { name: string; createdMs: number; kmsKeyId: string | null }): Promise<boolean> {
    return this.lst.insGroup.run(rec.name, rec.createdMs, rec.kmsKeyId).changes === 1;
  }

  async getLogGroup(name: string): Promise<LogGroupRecord | undefined> {
    const r = this.lst.getGroup.get(name) as GroupRow | undefined;
    return r ? toGroup(r) : undefined;
  }

  async listLogGroups(q: { prefix?: string; contains?: string; afterName?: string; limit: number }): Promise<LogGroupRecord[]> {
    const where = ['g.name > ?'];
    const args: unknown[] = [q.afterName ?? ''];
    if (q.prefix !== undefined) (where.push('substr(g.name, 1, ?) = ?'), args.push(q.prefix.length, q.prefix));
    if (q.contains !== undefined) (where.push('instr(lower(g.name), lower(?)) > 0'), args.push(q.contains));
    const rows = this.logDb
      .prepare(
        `SELECT g.*, (SELECT COALESCE(SUM(stored_bytes), 0) FROM log_streams s WHERE s.log_group = g.name) AS bytes
         FROM log_groups g WHERE ${where.join(' AND ')} ORDER BY g.name LIMIT ?`,
      )
      .all(...args, q.limit) as GroupRow[];
    return rows.map(toGroup);
  }

  async setLogRetention(name: string, retentionDays: number | null): Promise<boolean> {
    return this.lst.setRetention.run(retentionDays, name).changes === 1;
  }

  async logGroupsWithRetention(): Promise<{ name: string; retentionDays: number }[]> {
    return (this.lst.withRetention.all() as { name: string; retention_days: number }[]).map((r) => ({ name: r.name, retentionDays: r.retention_days }));
  }

  async createLogStream(group: string, name: string, createdMs: number): Promise<'created' | 'exists' | 'no-group'> {
    let out: 'created' | 'exists' | 'no-group' = 'no-group';
    this.logDb.transaction(() => {
      if (!this.lst.getGroup.get(group)) return;
      out = this.lst.insStream.run(group, name, createdMs).changes === 1 ? 'created' : 'exists';
    }).immediate();
    return out;
  }

  async getLogStream(group: string, name: string): Promise<LogStreamRecord | undefined> {
    const r = this.lst.getStream.get(group, name) as StreamRow | undefined;
    return r ? toStream(r) : undefined;
  }

  async listLogStreams(
    group: string,
    q: { prefix?: string; orderBy: 'LogStreamName' | 'LastEventTime'; descending: boolean; after?: { key: number | string; name: string }; limit: number },
  ): Promise<LogStreamRecord[]> {
    const where = ['log_group = ?'];
    const args: unknown[] = [group];
    if (q.prefix !== undefined) (where.push('substr(name, 1, ?) = ?'), args.push(q.prefix.length, q.prefix));
    // Streams that never had an event sort first by LastEventTime (as 0).
    const key = q.orderBy === 'LogStreamName' ? 'name' : 'COALESCE(last_ts, 0)';
    const cmp = q.descending ? '<' : '>';
    if (q.after) (where.push(`(${key}, name) ${cmp} (?, ?)`), args.push(q.after.key, q.after.name));
    const dir = q.descending ? 'DESC' : 'ASC';
    const rows = this.logDb
      .prepare(`SELECT * FROM log_streams WHERE ${where.join(' AND ')} ORDER BY ${key} ${dir}, name ${dir} LIMIT ?`)
      .all(...args, q.limit) as StreamRow[];
    return rows.map(toStream);
  }

  async deleteLogStream(group: string, name: string): Promise<boolean> {
    let deleted = false;
    this.logDb.transaction(() => {
      deleted = this.lst.delStream.run(group, name).changes === 1;
      if (deleted) this.lst.delStreamEvents.run(group, name);
    }).immediate();
    return deleted;
  }

  async putLogEvents(group: string, stream: string, events: LogEvent[], ingestionMs: number): Promise<number | undefined> {
    let seq: number | undefined;
    this.logDb.transaction(() => {
      if (!this.lst.getStream.get(group, stream)) return;
      for (const e of events) this.lst.insEvent.run(group, stream, e.timestampMs, e.message, ingestionMs);
      this.touchStream(group, stream, events, ingestionMs);
      seq = (this.lst.getStream.get(group, stream) as StreamRow).seq;
    }).immediate();
    return seq;
  }

  async readStreamEvents(
    group: string,
    stream: string,
    q: { startMs?: number; endMs?: number; after?: LogCursor; before?: LogCursor; fromEnd: boolean; limit: number },
  ): Promise<StoredLogEvent[]> {
    const where = ['log_group = ?', 'log_stream = ?'];
    const args: unknown[] = [group, stream];
    addRange(where, args, q);
    if (q.before) (where.push('(ts_ms, id) < (?, ?)'), args.push(q.before.timestampMs, q.before.id));
    const dir = q.fromEnd ? 'DESC' : 'ASC';
    const rows = this.logDb
      .prepare(`SELECT id, log_stream, ts_ms, message, ingest_ms FROM log_events WHERE ${where.join(' AND ')} ORDER BY ts_ms ${dir}, id ${dir} LIMIT ?`)
      .all(...args, q.limit) as EventRow[];
    if (q.fromEnd) rows.reverse();
    return rows.map(toEvent);
  }

  async scanGroupEvents(
    group: string,
    q: { streams?: string[]; streamPrefix?: string; startMs?: number; endMs?: number; after?: LogCursor; limit: number },
  ): Promise<StoredLogEvent[]> {
    const where = ['log_group = ?'];
    const args: unknown[] = [group];
    if (q.streams) (where.push(`log_stream IN (${q.streams.map(() => '?').join(', ')})`), args.push(...q.streams));
    if (q.streamPrefix !== undefined) (where.push('substr(log_stream, 1, ?) = ?'), args.push(q.streamPrefix.length, q.streamPrefix));
    addRange(where, args, q);
    const rows = this.logDb
      .prepare(`SELECT id, log_stream, ts_ms, message, ingest_ms FROM log_events WHERE ${where.join(' AND ')} ORDER BY ts_ms, id LIMIT ?`)
      .all(...args, q.limit) as EventRow[];
    return rows.map(toEvent);
  }

  async expireLogEvents(group: string, beforeMs: number, limit: number): Promise<number> {
    let n = 0;
    this.logDb.transaction(() => {
      const per = this.lst.expiredPerStream.all(group, beforeMs, limit) as { log_stream: string; n: number; bytes: number }[];
      if (per.length === 0) return;
      n = this.lst.expire.run(group, beforeMs, limit).changes;
      for (const p of per) this.lst.restat.run({ group, stream: p.log_stream, bytes: p.bytes });
    }).immediate();
    return n;
  }

  async readLogs(
    group: string,
    opts: { stream?: string; sinceMs?: number; afterId?: number; limit: number; filter?: string },
  ): Promise<(LogEvent & { stream: string; id: number })[]> {
    const where = ['log_group = ?'];
    const args: unknown[] = [group];
    if (opts.stream) (where.push('log_stream = ?'), args.push(opts.stream));
    if (opts.sinceMs !== undefined) (where.push('ts_ms >= ?'), args.push(opts.sinceMs));
    if (opts.afterId !== undefined) (where.push('id > ?'), args.push(opts.afterId));
    if (opts.filter) (where.push("instr(message, ?) > 0"), args.push(opts.filter));
    // Paging forward from a point: the oldest `limit` after it. A tail: the newest `limit`. Both oldest first.
    const forward = opts.sinceMs !== undefined || opts.afterId !== undefined;
    const page = `SELECT id, log_stream, ts_ms, message FROM log_events WHERE ${where.join(' AND ')}`;
    const rows = this.logDb
      .prepare(forward ? `${page} ORDER BY id LIMIT ?` : `SELECT * FROM (${page} ORDER BY id DESC LIMIT ?) ORDER BY id`)
      .all(...args, opts.limit) as { id: number; log_stream: string; ts_ms: number; message: string }[];
    return rows.map((r) => ({ id: r.id, stream: r.log_stream, timestampMs: r.ts_ms, message: r.message }));
  }

  async deleteLogGroup(group: string): Promise<boolean> {
    let existed = false;
    this.logDb.transaction(() => {
      existed = this.lst.delGroup.run(group).changes === 1;
      this.lst.delGroupStreams.run(group);
      this.st.delLogGroup.run(group);
      this.logDb.prepare('DELETE FROM log_subscription_filters WHERE log_group = ?').run(group);
    }).immediate();
    return existed;
  }

  // ---- CloudWatch Logs subscription filters (../subscription-filters.ts): ./subscription-filters.ts, in the logs database.
  putSubscriptionFilter(rec: Omit<SubscriptionFilterRecord, 'cursorId'>, perGroupMax: number): Promise<PutSubscriptionResult> {
    return this.logDurable(this.subscriptions.putSubscriptionFilter(rec, perGroupMax));
  }
  listSubscriptionFilters(group: string, q: { prefix?: string; afterName?: string; limit: number }): Promise<SubscriptionFilterRecord[]> {
    return this.subscriptions.listSubscriptionFilters(group, q);
  }
  deleteSubscriptionFilter(group: string, filterName: string): Promise<boolean> { return this.logDurable(this.subscriptions.deleteSubscriptionFilter(group, filterName)); }
  allSubscriptionFilters(): Promise<SubscriptionFilterRecord[]> { return this.subscriptions.allSubscriptionFilters(); }
  advanceSubscriptionCursor(group: string, filterName: string, cursorId: number): Promise<boolean> {
    return this.logDurable(this.subscriptions.advanceSubscriptionCursor(group, filterName, cursorId));
  }

  // ---- SNS topics, subscriptions, deliveries: ../<impl>/topics.ts (kept apart from the other concerns).
  createTopic(rec: TopicRecord): ReturnType<TopicStore['createTopic']> { return this.durable(this.topics.createTopic(rec)); }
  getTopic(arn: string): ReturnType<TopicStore['getTopic']> { return this.topics.getTopic(arn); }
  listTopics(q: { afterArn?: string; limit: number }): ReturnType<TopicStore['listTopics']> { return this.topics.listTopics(q); }
  deleteTopic(arn: string): ReturnType<TopicStore['deleteTopic']> { return this.durable(this.topics.deleteTopic(arn)); }
  setTopicAttribute(arn: string, name: string, value: string | null): ReturnType<TopicStore['setTopicAttribute']> { return this.durable(this.topics.setTopicAttribute(arn, name, value)); }
  editTopicAttribute(arn: string, name: string, edit: (current: string | undefined) => string | null): ReturnType<TopicStore['editTopicAttribute']> { return this.durable(this.topics.editTopicAttribute(arn, name, edit)); }
  changeTopicTags(arn: string, change: { set?: Record<string, string>; remove?: string[] }, max: number): ReturnType<TopicStore['changeTopicTags']> { return this.durable(this.topics.changeTopicTags(arn, change, max)); }
  createSubscription(rec: SubscriptionRecord, confirmation: PublishedMessage | undefined): ReturnType<TopicStore['createSubscription']> { return this.durable(this.topics.createSubscription(rec, confirmation)); }
  getSubscription(arn: string): ReturnType<TopicStore['getSubscription']> { return this.topics.getSubscription(arn); }
  listSubscriptions(q: { topicArn?: string; afterArn?: string; limit: number }): ReturnType<TopicStore['listSubscriptions']> { return this.topics.listSubscriptions(q); }
  confirmedSubscriptions(topicArn: string): ReturnType<TopicStore['confirmedSubscriptions']> { return this.topics.confirmedSubscriptions(topicArn); }
  subscriptionCounts(topicArn: string): ReturnType<TopicStore['subscriptionCounts']> { return this.topics.subscriptionCounts(topicArn); }
  deleteSubscription(arn: string): ReturnType<TopicStore['deleteSubscription']> { return this.durable(this.topics.deleteSubscription(arn)); }
  setSubscriptionAttribute(arn: string, name: string, value: string | null): ReturnType<TopicStore['setSubscriptionAttribute']> { return this.durable(this.topics.setSubscriptionAttribute(arn, name, value)); }
  confirmSubscription(topicArn: string, token: string): ReturnType<TopicStore['confirmSubscription']> { return this.durable(this.topics.confirmSubscription(topicArn, token)); }
  publishToTopic(msg: PublishedMessage, subs: string[], dedup?: { id: string; windowMs: number }): ReturnType<TopicStore['publishToTopic']> { return this.durable(this.topics.publishToTopic(msg, subs, dedup)); }
  leaseDeliveries(owner: string, limit: number, leaseMs: number): ReturnType<TopicStore['leaseDeliveries']> { return this.durable(this.topics.leaseDeliveries(owner, limit, leaseMs)); }
  finishDelivery(id: string): ReturnType<TopicStore['finishDelivery']> { return this.durable(this.topics.finishDelivery(id)); }
  retryDelivery(id: string, attempts: number, delayMs: number): ReturnType<TopicStore['retryDelivery']> { return this.durable(this.topics.retryDelivery(id, attempts, delayMs)); }
  releaseDeliveryLeases(exceptOwner: string): ReturnType<TopicStore['releaseDeliveryLeases']> { return this.durable(this.topics.releaseDeliveryLeases(exceptOwner)); }
  // ---- Queues (src/store/queues.ts): one transaction each, the logic shared with PostgreSQL in queue-sql.ts.
  async createQueue(rec: Parameters<QueueStore['createQueue']>[0]): ReturnType<QueueStore['createQueue']> {
    const out = runSqlite(this.db, qsql.createQueue, rec);
    await this.committed();
    return out;
  }
  async getQueue(name: string): ReturnType<QueueStore['getQueue']> {
    return readSqlite(this.db, qsql.getQueue, name);
  }
  async listQueues(query: Parameters<QueueStore['listQueues']>[0]): ReturnType<QueueStore['listQueues']> {
    return readSqlite(this.db, qsql.listQueues, query);
  }
  async deleteQueue(name: string): ReturnType<QueueStore['deleteQueue']> {
    const out = runSqlite(this.db, qsql.deleteQueue, name);
    await this.committed();
    return out;
  }
  async setQueueAttributes(name: string, attributes: Record<string, string>, deadLetterTarget: string | null | undefined): ReturnType<QueueStore['setQueueAttributes']> {
    const out = runSqlite(this.db, qsql.setQueueAttributes, name, attributes, deadLetterTarget);
    await this.committed();
    return out;
  }
  async editQueueAttribute(name: string, attribute: string, edit: (current: string | undefined) => string): ReturnType<QueueStore['editQueueAttribute']> {
    const out = runSqlite(this.db, qsql.editQueueAttribute, name, attribute, edit);
    await this.committed();
    return out;
  }
  async changeQueueTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<QueueStore['changeQueueTags']> {
    const out = runSqlite(this.db, qsql.changeQueueTags, name, change, tagsMax);
    await this.committed();
    return out;
  }
  async deadLetterSources(target: string, afterName: string | undefined, limit: number): ReturnType<QueueStore['deadLetterSources']> {
    return readSqlite(this.db, qsql.deadLetterSources, target, afterName, limit);
  }
  async queueCounts(name: string, retentionS: number): ReturnType<QueueStore['queueCounts']> {
    return runSqlite(this.db, qsql.queueCounts, name, retentionS);
  }
  async sendMessages(queue: string, msgs: NewQueueMessage[], fifo: { dedupWindowS: number; perGroup?: boolean } | undefined): ReturnType<QueueStore['sendMessages']> {
    return this.messageWrites.run(qsql.sendMessages, queue, msgs, fifo);
  }
  async receiveMessages(queue: string, opts: ReceiveOptions): ReturnType<QueueStore['receiveMessages']> {
    return this.messageWrites.run(qsql.receiveMessages, queue, opts);
  }
  async deleteMessages(queue: string, receiptHandles: string[]): ReturnType<QueueStore['deleteMessages']> {
    return this.messageWrites.run(qsql.deleteMessages, queue, receiptHandles);
  }
  async changeVisibility(queue: string, entries: { receiptHandle: string; visibilityS: number }[]): ReturnType<QueueStore['changeVisibility']> {
    const out = runSqlite(this.db, qsql.changeVisibility, queue, entries);
    await this.committed();
    return out;
  }
  async purgeQueue(name: string): ReturnType<QueueStore['purgeQueue']> {
    const out = runSqlite(this.db, qsql.purgeQueue, name);
    await this.committed();
    return out;
  }
  async moveMessages(from: string, to: string | null, limit: number): ReturnType<QueueStore['moveMessages']> {
    const out = runSqlite(this.db, qsql.moveMessages, from, to, limit);
    await this.committed();
    return out;
  }

  // ---- Streams (src/store/streams.ts): ./streams.ts, the logic shared with the other store in stream-sql.ts.
  createStream(rec: Parameters<StreamStore['createStream']>[0]): ReturnType<StreamStore['createStream']> { return this.durable(this.streams.createStream(rec)); }
  getStream(name: string): ReturnType<StreamStore['getStream']> { return this.streams.getStream(name); }
  listStreams(afterName: string | undefined, limit: number): ReturnType<StreamStore['listStreams']> { return this.streams.listStreams(afterName, limit); }
  deleteStream(name: string): ReturnType<StreamStore['deleteStream']> { return this.durable(this.streams.deleteStream(name)); }
  setStreamRetention(name: string, hours: number, check: (previous: number) => void): ReturnType<StreamStore['setStreamRetention']> { return this.durable(this.streams.setStreamRetention(name, hours, check)); }
  getStreamPolicy(name: string): ReturnType<StreamStore['getStreamPolicy']> { return this.streams.getStreamPolicy(name); }
  setStreamPolicy(name: string, policy: string | null): ReturnType<StreamStore['setStreamPolicy']> { return this.durable(this.streams.setStreamPolicy(name, policy)); }
  changeStreamTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<StreamStore['changeStreamTags']> { return this.durable(this.streams.changeStreamTags(name, change, tagsMax)); }
  putStreamRecords(name: string, records: NewStreamRecord[]): ReturnType<StreamStore['putStreamRecords']> { return this.durable(this.streams.putStreamRecords(name, records)); }
  readStreamRecords(name: string, shardId: string, afterSeq: number, limit: number, bytesMax: number, retentionHours: number): ReturnType<StreamStore['readStreamRecords']> { return this.streams.readStreamRecords(name, shardId, afterSeq, limit, bytesMax, retentionHours); }
  streamPosition(name: string, shardId: string, atMs?: number): ReturnType<StreamStore['streamPosition']> { return this.streams.streamPosition(name, shardId, atMs); }
  reshardStream(name: string, close: string[], open: NewShard[], busyMs: number): ReturnType<StreamStore['reshardStream']> { return this.durable(this.streams.reshardStream(name, close, open, busyMs)); }
  sweepStreamRecords(limit: number): ReturnType<StreamStore['sweepStreamRecords']> { return this.durable(this.streams.sweepStreamRecords(limit)); }
  listCheckpoints(mappingId: string): ReturnType<CheckpointStore['listCheckpoints']> { return this.streams.listCheckpoints(mappingId); }
  saveCheckpoint(mappingId: string, shardId: string, next: Parameters<CheckpointStore['saveCheckpoint']>[2], expected: string | undefined): ReturnType<CheckpointStore['saveCheckpoint']> { return this.durable(this.streams.saveCheckpoint(mappingId, shardId, next, expected)); }
  deleteCheckpoints(mappingId: string): ReturnType<CheckpointStore['deleteCheckpoints']> { return this.durable(this.streams.deleteCheckpoints(mappingId)); }

  // ---- Audit trail (src/store/audit.ts): ./audit.ts.
  appendAuditEvents(events: NewAuditEvent[], seal: (prevMac: string, body: string) => string): Promise<void> { return this.durable(this.audit.appendAuditEvents(events, seal)); }
  lookupAuditEvents(q: AuditQuery): Promise<AuditRow[]> { return this.audit.lookupAuditEvents(q); }
  readAuditChain(afterSeq: number, limit: number): Promise<AuditRow[]> { return this.audit.readAuditChain(afterSeq, limit); }
  auditHead(): ReturnType<AuditStore['auditHead']> { return this.audit.auditHead(); }
  sweepAuditEvents(beforeMs: number, limit: number): Promise<number> { return this.durable(this.audit.sweepAuditEvents(beforeMs, limit)); }

  // ---- Metric points (src/store/metrics.ts): ./metrics.ts.
  mergeMetricPoints(points: MetricPoint[]): Promise<void> { return this.durable(this.metrics.mergeMetricPoints(points)); }
  queryMetricPoints(k: MetricSeriesKey, startMs: number, endMs: number): Promise<MetricPoint[]> { return this.metrics.queryMetricPoints(k, startMs, endMs); }
  listMetricSeries(q: Parameters<SqliteMetrics['listMetricSeries']>[0]): Promise<MetricSeriesKey[]> { return this.metrics.listMetricSeries(q); }
  rollupMetricPoints(fromPeriodS: number, beforeMs: number, limit: number, rollup: (points: MetricPoint[]) => MetricPoint[]): Promise<number> {
    return this.durable(this.metrics.rollupMetricPoints(fromPeriodS, beforeMs, limit, rollup));
  }
  // ---- EventBridge buses, rules, targets, the delivery outbox: ../event-sql.ts (shared by both stores).
  createEventBus(...a: Parameters<EventBusStore['createEventBus']>): ReturnType<EventBusStore['createEventBus']> { return this.durable(this.events.createEventBus(...a)); }
  getEventBus(...a: Parameters<EventBusStore['getEventBus']>): ReturnType<EventBusStore['getEventBus']> { return this.events.getEventBus(...a); }
  listEventBuses(...a: Parameters<EventBusStore['listEventBuses']>): ReturnType<EventBusStore['listEventBuses']> { return this.events.listEventBuses(...a); }
  changeEventBusPolicy(...a: Parameters<EventBusStore['changeEventBusPolicy']>): ReturnType<EventBusStore['changeEventBusPolicy']> { return this.durable(this.events.changeEventBusPolicy(...a)); }
  deleteEventBus(...a: Parameters<EventBusStore['deleteEventBus']>): ReturnType<EventBusStore['deleteEventBus']> { return this.durable(this.events.deleteEventBus(...a)); }
  putRule(...a: Parameters<EventBusStore['putRule']>): ReturnType<EventBusStore['putRule']> { return this.durable(this.events.putRule(...a)); }
  getRule(...a: Parameters<EventBusStore['getRule']>): ReturnType<EventBusStore['getRule']> { return this.events.getRule(...a); }
  listRules(...a: Parameters<EventBusStore['listRules']>): ReturnType<EventBusStore['listRules']> { return this.events.listRules(...a); }
  setRuleState(...a: Parameters<EventBusStore['setRuleState']>): ReturnType<EventBusStore['setRuleState']> { return this.durable(this.events.setRuleState(...a)); }
  deleteRule(...a: Parameters<EventBusStore['deleteRule']>): ReturnType<EventBusStore['deleteRule']> { return this.durable(this.events.deleteRule(...a)); }
  scheduledRules(...a: Parameters<EventBusStore['scheduledRules']>): ReturnType<EventBusStore['scheduledRules']> { return this.events.scheduledRules(...a); }
  putTargets(...a: Parameters<EventBusStore['putTargets']>): ReturnType<EventBusStore['putTargets']> { return this.durable(this.events.putTargets(...a)); }
  removeTargets(...a: Parameters<EventBusStore['removeTargets']>): ReturnType<EventBusStore['removeTargets']> { return this.durable(this.events.removeTargets(...a)); }
  listTargets(...a: Parameters<EventBusStore['listTargets']>): ReturnType<EventBusStore['listTargets']> { return this.events.listTargets(...a); }
  getTarget(...a: Parameters<EventBusStore['getTarget']>): ReturnType<EventBusStore['getTarget']> { return this.events.getTarget(...a); }
  matchingCandidates(...a: Parameters<EventBusStore['matchingCandidates']>): ReturnType<EventBusStore['matchingCandidates']> { return this.events.matchingCandidates(...a); }
  changeEventTags(...a: Parameters<EventBusStore['changeEventTags']>): ReturnType<EventBusStore['changeEventTags']> { return this.durable(this.events.changeEventTags(...a)); }
  enqueueEventDeliveries(...a: Parameters<EventBusStore['enqueueEventDeliveries']>): ReturnType<EventBusStore['enqueueEventDeliveries']> { return this.durable(this.events.enqueueEventDeliveries(...a)); }
  leaseEventDeliveries(...a: Parameters<EventBusStore['leaseEventDeliveries']>): ReturnType<EventBusStore['leaseEventDeliveries']> { return this.durable(this.events.leaseEventDeliveries(...a)); }
  finishEventDelivery(...a: Parameters<EventBusStore['finishEventDelivery']>): ReturnType<EventBusStore['finishEventDelivery']> { return this.durable(this.events.finishEventDelivery(...a)); }
  retryEventDelivery(...a: Parameters<EventBusStore['retryEventDelivery']>): ReturnType<EventBusStore['retryEventDelivery']> { return this.durable(this.events.retryEventDelivery(...a)); }
  releaseEventDeliveryLeases(...a: Parameters<EventBusStore['releaseEventDeliveryLeases']>): ReturnType<EventBusStore['releaseEventDeliveryLeases']> { return this.durable(this.events.releaseEventDeliveryLeases(...a)); }
  // ---- Parameters (src/store/parameters.ts): the logic shared with the other store in parameter-sql.ts; writes answer once durable.
  putParameter(p: NewParameterVersion, opts: ParameterPutOptions): ReturnType<ParameterStore['putParameter']> { return this.durable(this.parameters.putParameter(p, opts)); }
  getParameterVersions(name: string): ReturnType<ParameterStore['getParameterVersions']> { return this.parameters.getParameterVersions(name); }
  getLatestParameters(names: string[]): ReturnType<ParameterStore['getLatestParameters']> { return this.parameters.getLatestParameters(names); }
  listParameters(q: { prefix?: string; afterName?: string; limit: number }): ReturnType<ParameterStore['listParameters']> { return this.parameters.listParameters(q); }
  deleteParameters(names: string[]): ReturnType<ParameterStore['deleteParameters']> { return this.durable(this.parameters.deleteParameters(names)); }
  labelParameterVersion(name: string, version: number | undefined, labels: string[], labelsMax: number): ReturnType<ParameterStore['labelParameterVersion']> { return this.durable(this.parameters.labelParameterVersion(name, version, labels, labelsMax)); }
  unlabelParameterVersion(name: string, version: number, labels: string[]): ReturnType<ParameterStore['unlabelParameterVersion']> { return this.durable(this.parameters.unlabelParameterVersion(name, version, labels)); }
  changeParameterTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<ParameterStore['changeParameterTags']> { return this.durable(this.parameters.changeParameterTags(name, change, tagsMax)); }
  getParameterTags(name: string): ReturnType<ParameterStore['getParameterTags']> { return this.parameters.getParameterTags(name); }
  // ---- Schedules (src/store/schedules.ts): ./schedules.ts, the logic shared with the other store in schedule-sql.ts.
  createScheduleGroup(...a: Parameters<ScheduleStore['createScheduleGroup']>): ReturnType<ScheduleStore['createScheduleGroup']> { return this.durable(this.schedules.createScheduleGroup(...a)); }
  getScheduleGroup(name: string): ReturnType<ScheduleStore['getScheduleGroup']> { return this.schedules.getScheduleGroup(name); }
  listScheduleGroups(...a: Parameters<ScheduleStore['listScheduleGroups']>): ReturnType<ScheduleStore['listScheduleGroups']> { return this.schedules.listScheduleGroups(...a); }
  deleteScheduleGroup(name: string): ReturnType<ScheduleStore['deleteScheduleGroup']> { return this.durable(this.schedules.deleteScheduleGroup(name)); }
  changeScheduleGroupTags(...a: Parameters<ScheduleStore['changeScheduleGroupTags']>): ReturnType<ScheduleStore['changeScheduleGroupTags']> { return this.durable(this.schedules.changeScheduleGroupTags(...a)); }
  createSchedule(...a: Parameters<ScheduleStore['createSchedule']>): ReturnType<ScheduleStore['createSchedule']> { return this.durable(this.schedules.createSchedule(...a)); }
  getSchedule(group: string, name: string): ReturnType<ScheduleStore['getSchedule']> { return this.schedules.getSchedule(group, name); }
  updateSchedule(...a: Parameters<ScheduleStore['updateSchedule']>): ReturnType<ScheduleStore['updateSchedule']> { return this.durable(this.schedules.updateSchedule(...a)); }
  deleteSchedule(group: string, name: string): ReturnType<ScheduleStore['deleteSchedule']> { return this.durable(this.schedules.deleteSchedule(group, name)); }
  listSchedules(...a: Parameters<ScheduleStore['listSchedules']>): ReturnType<ScheduleStore['listSchedules']> { return this.schedules.listSchedules(...a); }
  listRuleTimers(): ReturnType<ScheduleStore['listRuleTimers']> { return this.schedules.listRuleTimers(); }
  putRuleTimer(...a: Parameters<ScheduleStore['putRuleTimer']>): ReturnType<ScheduleStore['putRuleTimer']> { return this.durable(this.schedules.putRuleTimer(...a)); }
  deleteRuleTimer(arn: string): ReturnType<ScheduleStore['deleteRuleTimer']> { return this.durable(this.schedules.deleteRuleTimer(arn)); }
  claimDueTimers(...a: Parameters<ScheduleStore['claimDueTimers']>): ReturnType<ScheduleStore['claimDueTimers']> { return this.durable(this.schedules.claimDueTimers(...a)); }
  leaseFires(limit: number, leaseMs: number): ReturnType<ScheduleStore['leaseFires']> { return this.durable(this.schedules.leaseFires(limit, leaseMs)); }
  finishFire(id: string): ReturnType<ScheduleStore['finishFire']> { return this.durable(this.schedules.finishFire(id)); }
  retryFire(id: string, attempts: number, delayMs: number): ReturnType<ScheduleStore['retryFire']> { return this.durable(this.schedules.retryFire(id, attempts, delayMs)); }
  releaseFireLeases(): ReturnType<ScheduleStore['releaseFireLeases']> { return this.durable(this.schedules.releaseFireLeases()); }
  nextWakeDelayMs(): ReturnType<ScheduleStore['nextWakeDelayMs']> { return this.schedules.nextWakeDelayMs(); }

  async close(): Promise<void> {
    // A sync in flight finishes on the descriptor before it is closed (and its writers are answered).
    await this.walSync.idle();
    this.db.close();
    if (this.walFd !== undefined) fs.closeSync(this.walFd);
    this.walFd = undefined;
    // The last connection checkpoints and deletes the WAL on close: with FULL that is synced first.
    if (!this.readOnly) this.logDb.pragma('synchronous = FULL');
    this.logDb.close();
    if (this.logWalFd !== undefined) fs.closeSync(this.logWalFd);
    this.logWalFd = undefined;
  }
}

const fsyncAsync = promisify(fs.fsync);

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
  message: string;
  ingest_ms: number | null;
}

const toGroup = (r: GroupRow): LogGroupRecord => ({
  name: r.name, createdMs: r.created_ms, retentionDays: r.retention_days, kmsKeyId: r.kms_key_id, storedBytes: r.bytes,
});
const toStream = (r: StreamRow): LogStreamRecord => ({
  group: r.log_group, name: r.name, createdMs: r.created_ms, firstEventMs: r.first_ts, lastEventMs: r.last_ts,
  lastIngestionMs: r.last_ingest_ms, storedBytes: r.stored_bytes, sequence: r.seq,
});
// Function log lines carry no ingestion time of their own: they are ingested when written (within the sink's flush interval).
const toEvent = (r: EventRow): StoredLogEvent => ({
  id: r.id, stream: r.log_stream, timestampMs: r.ts_ms, message: r.message, ingestionMs: r.ingest_ms ?? r.ts_ms,
});

function addRange(where: string[], args: unknown[], q: { startMs?: number; endMs?: number; after?: LogCursor }): void {
  if (q.startMs !== undefined) (where.push('ts_ms >= ?'), args.push(q.startMs));
  if (q.endMs !== undefined) (where.push('ts_ms < ?'), args.push(q.endMs));
  if (q.after) (where.push('(ts_ms, id) > (?, ?)'), args.push(q.after.timestampMs, q.after.id));
}

function toFunction(r: FnRow): FunctionRecord {
  return { name: r.name, createdAt: r.created_at, latest: JSON.parse(r.record) as VersionRecord };
}

const migrations: string[] = [
  `CREATE TABLE functions (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
   CREATE TABLE versions (
     function_name TEXT NOT NULL REFERENCES functions(name),
     version TEXT NOT NULL,
     record TEXT NOT NULL,
     revision_id TEXT NOT NULL,
     PRIMARY KEY (function_name, version));
   CREATE TABLE async_events (
     id TEXT PRIMARY KEY, function_name TEXT NOT NULL, qualifier TEXT NOT NULL, payload BLOB NOT NULL,
     request_id TEXT NOT NULL, attempts INTEGER NOT NULL, due_at_ms INTEGER NOT NULL,
     enqueued_at_ms INTEGER NOT NULL, client_context TEXT, lease_until_ms INTEGER NOT NULL);
   CREATE INDEX async_due ON async_events (due_at_ms);
   CREATE TABLE log_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
     ts_ms INTEGER NOT NULL, message TEXT NOT NULL);
   CREATE INDEX log_group_id ON log_events (log_group, id);`,
  // 2: versions, aliases, layers, tags.
  `ALTER TABLE functions ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE functions ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
   CREATE TABLE aliases (
     function_name TEXT NOT NULL REFERENCES functions(name), name TEXT NOT NULL,
     record TEXT NOT NULL, revision_id TEXT NOT NULL, PRIMARY KEY (function_name, name));
   CREATE TABLE layers (name TEXT PRIMARY KEY, last_version INTEGER NOT NULL);
   CREATE TABLE layer_versions (
     layer_name TEXT NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL,
     PRIMARY KEY (layer_name, version));`,
  // 3: function logs moved to their own database file (see the constructor).
  `DROP TABLE log_events;`,
  // 4: which server process (one id per lifetime) holds an event's lease, so a restart can release a dead one's.
  `ALTER TABLE async_events ADD COLUMN lease_owner TEXT;`,
  // 5: event invoke configs (asynchronous invocation settings per qualifier).
  invokeConfigsMigration,
  // 6: Lambda event source mappings.
  eventSourceMappingsMigration,
  // 7: SNS topics, subscriptions, the delivery outbox and FIFO deduplication (./topics.ts).
  sqliteTopicMigration,
  // 8: the queue service (SQS): queues, messages (sealed bodies), FIFO deduplication ids.
  sqliteQueueMigration,
  // 9: reserved concurrency per function (PutFunctionConcurrency).
  reservedConcurrencyMigration,
  // 10: provisioned concurrency configs per version or alias (PutProvisionedConcurrencyConfig).
  provisionedConcurrencyMigration,
  // 11: the stream service (Kinesis): streams, shards, records (sealed data).
  sqliteStreamMigration,
  // 12: the audit trail (CloudTrail-style events, sealed into a chain).
  sqliteAuditMigration,
  // 13: function URL configs per function qualifier ($LATEST or an alias).
  functionUrlsMigration,
  // 14: EventBridge: event buses, rules, targets and the delivery outbox (../event-sql.ts).
  sqliteEventMigration,
  // 15: Parameter Store (SSM): parameters, their kept versions (SecureString values sealed), labels and tags.
  parameterTablesSqlite,
  // 16: EventBridge Scheduler: schedule groups, schedules, scheduled rules' timers, the fire outbox.
  sqliteScheduleMigration,
  // 17: stream mappings' open tumbling window per shard, saved with the checkpoint (../checkpoints.ts).
  sqliteCheckpointWindowMigration,
  // 18: metric points (CloudWatch metrics: Lambda's own and PutMetricData's), src/store/metrics.ts.
  sqliteMetricsMigration,
  // 19: HTTP APIs (API Gateway v2): one row per API with its integrations, routes and stages.
  httpApisMigration,
  // 20: IAM: users, access keys (secrets sealed), roles, inline and customer managed policies, attachments (../identity-sql.ts).
  identityTablesSqlite,
  // 21: function policies (AddPermission) per function qualifier: the function, a version or an alias.
  functionPoliciesMigration,
  // 22 (issue 18, authz): the audit trail's Username per event (LookupEvents' Username attribute).
  sqliteAuditUserNameMigration,
  // 23: async events and SQS messages keep their trace header (src/tracing/; SQS's AWSTraceHeader).
  'ALTER TABLE async_events ADD COLUMN trace_header TEXT; ALTER TABLE sqs_messages ADD COLUMN trace_header TEXT;',
  // 24 (issue 18): resource policies of event buses (PutPermission) and Kinesis streams (PutResourcePolicy).
  `${eventBusPolicyMigration} ${streamPolicyMigration}`,
  // 25 (issue 14): stream records clustered by shard (WITHOUT ROWID, keyed by stream, shard, counter), so a GetRecords
  // reads one shard's records from adjacent pages instead of one page per record of a stream's interleaved shards.
  sqliteStreamRecordsByShardMigration,
];

/** The logs database (its own file, see the constructor). */
const logMigrations: string[] = [
  `CREATE TABLE log_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
     ts_ms INTEGER NOT NULL, message TEXT NOT NULL);
   CREATE INDEX log_group_id ON log_events (log_group, id);`,
  // 2: CloudWatch Logs: groups, streams (statistics per stream), retention; ingestion time of PutLogEvents
  // events; indexes for reading a stream or a group in time order. Existing logs get their rows.
  `CREATE TABLE log_groups (
     name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, retention_days INTEGER, kms_key_id TEXT);
   CREATE TABLE log_streams (
     log_group TEXT NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL,
     first_ts INTEGER, last_ts INTEGER, last_ingest_ms INTEGER,
     stored_bytes INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (log_group, name));
   ALTER TABLE log_events ADD COLUMN ingest_ms INTEGER;
   CREATE INDEX log_stream_ts ON log_events (log_group, log_stream, ts_ms, id);
   CREATE INDEX log_group_ts ON log_events (log_group, ts_ms, id);
   INSERT INTO log_groups (name, created_ms) SELECT log_group, MIN(ts_ms) FROM log_events GROUP BY log_group;
   INSERT INTO log_streams (log_group, name, created_ms, first_ts, last_ts, last_ingest_ms, stored_bytes, seq)
     SELECT log_group, log_stream, MIN(ts_ms), MIN(ts_ms), MAX(ts_ms), MAX(ts_ms), SUM(length(CAST(message AS BLOB))), 1
     FROM log_events GROUP BY log_group, log_stream;`,
  // 3: CloudWatch Logs subscription filters with their delivery cursors (../subscription-filters.ts).
  subscriptionFiltersMigration,
];

/** A read-only open found a schema this build does not read (older: the server has not migrated it yet; newer: a newer Kumo wrote it). */
export class StoreSchemaMismatch extends Error {}

function checkSchema(db: Database.Database, migrations: string[], file: string): void {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found !== migrations.length) {
    const why = found < migrations.length ? 'start this version of the Kumo server once to migrate it' : 'it was written by a newer Kumo';
    throw new StoreSchemaMismatch(`${file} has schema version ${found}, this Kumo reads version ${migrations.length} (${why})`);
  }
}

function migrate(db: Database.Database, migrations: string[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
