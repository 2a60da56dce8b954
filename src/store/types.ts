import type { HttpApiStore } from '../http-apis/store';
import type { TopicStore } from './topics';
import type { EventBusStore } from './events';
/**
 * The persistence interfaces, one per concern. Only `src/store/` does
 * persistence I/O for metadata, queues and logs. Every method is async so a
 * PostgreSQL implementation can follow without changing callers; the SQLite
 * one is synchronous underneath. A method that resolves has made its write
 * durable.
 *
 * Atomicity (the rule every implementation keeps, checked by
 * test/store-contract.ts): each method is one transaction or one
 * compare-and-swap. A caller never reads, decides in memory and writes back
 * expecting nobody wrote in between: a change that depends on what is stored
 * (merge tags, publish the next number, create a stream in an existing group)
 * is a method of its own here, so correctness never depends on the database
 * answering inside the caller's process.
 *
 * The records live in src/domain/records.ts; they are re-exported here so
 * store implementations can keep importing them from one place.
 */
import type {
  AliasRecord, AsyncEvent, EventInvokeConfigRecord, FunctionPolicyRecord, FunctionRecord, FunctionUrlRecord, LayerVersionRecord, LogBatch, LogCursor, LogEvent, LogGroupRecord, LogStreamRecord,
  NewAsyncEvent, ProvisionedConcurrencyRecord, StoredLogEvent, VersionRecord,
} from '../domain/records';
import type { EventSourceMappingRecord } from '../domain/event-source-mapping';
export type { EventSourceMappingRecord, EventSourceMappingState } from '../domain/event-source-mapping';
import type { QueueStore } from './queues';
import type { StreamStore } from './streams';
import type { CheckpointStore } from './checkpoints';
import type { AuditStore } from './audit';
import type { MetricStore } from './metrics';
import type { SubscriptionFilterStore } from './subscription-filters';
import type { ParameterStore } from './parameters';
import type { IdentityStore } from './identity';
export type * from './identity';

export type { QueueStore } from './queues';
export type { CheckpointStore, StreamCheckpoint } from './checkpoints';
export type { LabelResult, NewParameterVersion, ParameterPutOptions, ParameterPutResult, ParameterStore, ParameterType, ParameterVersionRecord } from './parameters';
export type { ScheduleStore } from './schedules';
import type { ScheduleStore } from './schedules';
export type { NewShard, ShardRecord, StreamMode, StreamRecord, StreamStore } from './streams';
export type {
  AliasRecord, AsyncEvent, EventInvokeConfigRecord, FunctionConfig, FunctionPolicyRecord, FunctionRecord, FunctionUrlRecord, LayerRef, LayerVersionRecord, LogBatch, LogCursor, LogEvent, LogGroupRecord,
  LogStreamRecord, NewAsyncEvent, StoredLogEvent, VersionRecord,
} from '../domain/records';

/** Functions, versions, aliases, layers and tags (the Lambda control plane's state). */
export interface MetadataStore {
  /**
   * Inserts a new function with its $LATEST and its `tags` (when given) in
   * one transaction; throws StoreConflict if the name exists.
   */
  createFunction(rec: FunctionRecord): Promise<void>;
  getFunction(name: string): Promise<FunctionRecord | undefined>;
  /** Page of functions ordered by name, starting after `afterName`. */
  listFunctions(afterName: string | undefined, limit: number): Promise<FunctionRecord[]>;
  /**
   * Replaces $LATEST when its current revision id equals `expectedRevisionId`
   * (compare-and-swap); returns false when it did not (someone else won).
   */
  updateLatest(rec: VersionRecord, expectedRevisionId: string): Promise<boolean>;
  /** Deletes a function and all its versions, aliases and event invoke configs; returns false if it did not exist. */
  deleteFunction(name: string): Promise<boolean>;
  countFunctions(): Promise<{ count: number; totalCodeSize: number }>;

  /**
   * Publishes a version atomically: when $LATEST's revision is still
   * `expectedLatestRevision`, allocates the next number (never reused) and
   * inserts `build(number)`. Returns undefined when $LATEST changed meanwhile.
   * (VersionService uses `publishVersionIfChanged`, which also makes the
   * "unchanged since the newest version" decision inside the transaction.)
   */
  publishVersion(name: string, expectedLatestRevision: string, build: (version: string) => VersionRecord): Promise<VersionRecord | undefined>;
  /**
   * Like `publishVersion`, but first asks `same(newest)` about the newest
   * published version (when there is one): when it already is $LATEST's
   * snapshot it is returned with `created: false` and nothing is written.
   * The look and the insert are one transaction, so two PublishVersion calls
   * on an unchanged $LATEST make one version (AWS returns the existing one).
   */
  publishVersionIfChanged(
    name: string,
    expectedLatestRevision: string,
    same: (newest: VersionRecord) => boolean,
    build: (version: string) => VersionRecord,
  ): Promise<{ rec: VersionRecord; created: boolean } | undefined>;
  getVersion(name: string, version: string): Promise<VersionRecord | undefined>;
  /** Published versions in ascending number, after `afterVersion` (0 = from the first). */
  listVersions(name: string, afterVersion: number, limit: number): Promise<VersionRecord[]>;
  /** Deletes a published version unless an alias references it; returns the referencing aliases instead. */
  deleteVersion(name: string, version: string): Promise<{ deleted: boolean; aliases: string[] }>;

  /** Inserts an alias; StoreConflict if the name exists. (AliasService uses `createAliasChecked`, which also checks the routed versions.) */
  createAlias(rec: AliasRecord): Promise<void>;
  getAlias(functionName: string, name: string): Promise<AliasRecord | undefined>;
  listAliases(functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]>;
  /** Compare-and-swap on the alias's revision id. (AliasService uses `updateAliasChecked`.) */
  updateAlias(rec: AliasRecord, expectedRevisionId: string): Promise<boolean>;
  deleteAlias(functionName: string, name: string): Promise<boolean>;
  /**
   * `createAlias` that checks, in the same transaction, that the function and
   * every version the alias routes to (`functionVersion` and the weighted one)
   * exist: a concurrent DeleteVersion or DeleteFunction cannot leave an alias
   * routing to nothing (deleteVersion refuses a version an alias references).
   */
  createAliasChecked(rec: AliasRecord): Promise<AliasWriteResult>;
  /** `updateAlias` (compare-and-swap on the revision id) with the same checks as `createAliasChecked`. */
  updateAliasChecked(rec: AliasRecord, expectedRevisionId: string): Promise<AliasWriteResult>;

  getTags(functionName: string): Promise<Record<string, string> | undefined>;
  /** Replaces the tag map; false when the function does not exist. (TagService uses `changeTags`: a replace built from a read would lose a concurrent change.) */
  setTags(functionName: string, tags: Record<string, string>): Promise<boolean>;
  /**
   * Merges `set` into the tag map and removes `remove`, in one transaction
   * (two concurrent TagResource calls both keep their tags). Refuses, writing
   * nothing, when the result would hold more than `tagsMax` tags.
   */
  changeTags(functionName: string, change: TagChange, tagsMax: number): Promise<TagChangeResult>;

  publishLayerVersion(layerName: string, build: (version: number) => LayerVersionRecord): Promise<LayerVersionRecord>;
  getLayerVersion(layerName: string, version: number): Promise<LayerVersionRecord | undefined>;
  /** Versions of one layer, newest first, below `beforeVersion` (Infinity = from the newest). */
  listLayerVersions(layerName: string, beforeVersion: number, limit: number): Promise<LayerVersionRecord[]>;
  /** The newest version of each layer, by layer name after `afterName`. */
  listLayers(afterName: string | undefined, limit: number): Promise<LayerVersionRecord[]>;
  deleteLayerVersion(layerName: string, version: number): Promise<boolean>;
  /** Compare-and-swap on the policy revision id. */
  updateLayerVersionPolicy(rec: LayerVersionRecord, expectedPolicyRevisionId: string): Promise<boolean>;
  /** Code blob keys still referenced by any version (for blob garbage collection). */
  referencedCodeKeys(): Promise<Set<string>>;
}

/**
 * The asynchronous invocation queue: events, their leases, and recovery of a
 * dead owner's leases. Every time is a duration from "now" on the *store's*
 * clock (PostgreSQL: the database's `now()`; SQLite: this process's clock),
 * never a moment of the caller's: servers sharing one database need not
 * agree on the time for leases, due times and event ages to hold.
 */
export interface AsyncQueueStore {
  /** Stores `ev`, enqueued now and due after `delayMs` (0: at once), both by the store's clock. */
  enqueueAsync(ev: NewAsyncEvent, delayMs?: number): Promise<void>;
  /**
   * Up to `limit` events due now, earliest due first, leased to `ownerId`
   * (the poller of one server process lifetime) for `leaseMs` from now by
   * the store's clock. Each event's `enqueuedAtMs` is given on this
   * process's clock (see `AsyncEvent`).
   */
  leaseDueAsync(leaseMs: number, limit: number, ownerId: string): Promise<AsyncEvent[]>;
  /**
   * Called once by a starting queue with its new owner id: every lease held
   * by an owner that is no longer alive is released, so those events are due
   * again at once (attempts unchanged: the interrupted attempt is not
   * counted). Returns how many were released.
   *
   * SQLite: one server process uses a data dir at a time, so any other owner
   * is a process that has gone (crashed or stopped) and all its leases are
   * released. A shared database (PostgreSQL, several servers) keeps a table
   * of owners with a heartbeat each live queue refreshes; this method, and a
   * periodic sweep, release the leases of owners whose heartbeat is older than
   * a few intervals, then delete those owners' rows.
   */
  recoverAsyncLeases(ownerId: string): Promise<number>;
  /**
   * Releases the leases `ownerId` holds on events other than `keepIds` (the
   * ones it is running). A lease call whose answer was lost (the connection
   * broke after the database committed it) leaves events leased to a live
   * owner that does not know it has them; the owner calls this to give them
   * back at once instead of after the lease's length.
   */
  releaseAsyncLeases(ownerId: string, keepIds: readonly string[]): Promise<number>;
  /** Releases the lease; the event is due again after `delayMs` by the store's clock, with `attempts` made. */
  rescheduleAsync(id: string, attempts: number, delayMs: number): Promise<void>;
  deleteAsync(id: string): Promise<void>;
  /**
   * How long until the earliest pending event is due (or its lease ends),
   * in ms from now by the store's clock (0 if one is due already), for the
   * poller's timer; undefined when the queue is empty.
   */
  nextAsyncDueInMs(): Promise<number | undefined>;
}

/**
 * Asynchronous invocation settings (event invoke configs), one per function
 * qualifier. DeleteFunction removes a function's configs in its own
 * transaction (`MetadataStore.deleteFunction`).
 */
export interface InvokeConfigStore {
  /**
   * Creates or replaces the config of `rec.functionName`/`rec.qualifier` in
   * one transaction that also checks that the function and the qualifier
   * ($LATEST, a version or an alias) exist: `no-function` otherwise.
   */
  putInvokeConfig(rec: EventInvokeConfigRecord): Promise<'ok' | 'no-function'>;
  /**
   * Reads the stored config and writes `merge(current)` in one transaction
   * (two concurrent updates of different members both take effect).
   */
  updateInvokeConfig(
    functionName: string,
    qualifier: string,
    merge: (cur: EventInvokeConfigRecord) => EventInvokeConfigRecord,
  ): Promise<EventInvokeConfigRecord | 'no-function' | 'no-config'>;
  getInvokeConfig(functionName: string, qualifier: string): Promise<EventInvokeConfigRecord | undefined>;
  /** Configs of a function ordered by qualifier (byte order), after `afterQualifier`. */
  listInvokeConfigs(functionName: string, afterQualifier: string | undefined, limit: number): Promise<EventInvokeConfigRecord[]>;
  deleteInvokeConfig(functionName: string, qualifier: string): Promise<boolean>;
}

/**
 * Function URL configs, one per function qualifier (`$LATEST` or an alias),
 * each with a URL id unique across the store. DeleteFunction and DeleteAlias
 * remove the configs in their own transactions (AWS deletes an alias's URL
 * with the alias).
 */
export interface FunctionUrlStore {
  /**
   * Inserts the config in one transaction that also checks that the function
   * (and the alias, unless `$LATEST`) exists: `no-function` otherwise;
   * `exists` when that qualifier has a config already. Writes nothing unless `ok`.
   */
  createFunctionUrl(rec: FunctionUrlRecord): Promise<'ok' | 'no-function' | 'exists'>;
  /** Reads the stored config and writes `merge(current)` in one transaction. */
  updateFunctionUrl(
    functionName: string,
    qualifier: string,
    merge: (cur: FunctionUrlRecord) => FunctionUrlRecord,
  ): Promise<FunctionUrlRecord | 'no-function' | 'no-config'>;
  getFunctionUrl(functionName: string, qualifier: string): Promise<FunctionUrlRecord | undefined>;
  /** The config a URL id names (what the URL listener looks up for each request). */
  getFunctionUrlById(urlId: string): Promise<FunctionUrlRecord | undefined>;
  /** Configs of a function ordered by qualifier (byte order), after `afterQualifier`. */
  listFunctionUrls(functionName: string, afterQualifier: string | undefined, limit: number): Promise<FunctionUrlRecord[]>;
  deleteFunctionUrl(functionName: string, qualifier: string): Promise<boolean>;
}

/**
 * Function policies (AddPermission / RemovePermission), one per function
 * qualifier: the unqualified function (`$LATEST`), a version or an alias.
 * DeleteFunction, DeleteAlias and the deletion of a version remove theirs
 * in their own transactions.
 */
export interface FunctionPolicyStore {
  getFunctionPolicy(functionName: string, qualifier: string): Promise<FunctionPolicyRecord | undefined>;
  /**
   * Compare-and-swap of one qualifier's policy, in one transaction that also
   * checks that the function (and the version or alias) exists:
   * `expectedRevisionId` is the stored policy's RevisionId the change was
   * computed from, undefined when there was no policy. A record without
   * statements deletes the policy. `no-resource`: the function, version or
   * alias is gone; `changed`: another write came first. Writes nothing unless `ok`.
   */
  putFunctionPolicy(rec: FunctionPolicyRecord, expectedRevisionId: string | undefined): Promise<'ok' | 'no-resource' | 'changed'>;
}

/** Function logs and CloudWatch Logs: events, groups, streams, retention. */
export interface LogStore {

  /**
   * Writes the batches in one transaction. With `durable`, the lines survive
   * a machine crash once this resolves (the async queue needs that before it
   * deletes an event); without it they survive a crash of the process but
   * may be lost with the machine's power, which keeps the write cheap.
   */
  appendLogs(batches: LogBatch[], opts?: { durable?: boolean }): Promise<void>;
  /**
   * Log events of a group (optionally one stream), returned oldest first.
   * With `sinceMs` or `afterId`: the oldest `limit` events after them (pages
   * forward without gaps); with neither: the newest `limit` events (a tail).
   */
  readLogs(
    group: string,
    opts: { stream?: string; sinceMs?: number; afterId?: number; limit: number; filter?: string },
  ): Promise<(LogEvent & { stream: string; id: number })[]>;
  /** Deletes a log group with its streams and events; false when it did not exist. */
  deleteLogGroup(group: string): Promise<boolean>;

  // ---- CloudWatch Logs metadata (groups, streams, retention) in the logs database.
  /** False when the group exists. */
  createLogGroup(rec: { name: string; createdMs: number; kmsKeyId: string | null }): Promise<boolean>;
  getLogGroup(name: string): Promise<LogGroupRecord | undefined>;
  /** Groups by name after `afterName`; `prefix` (case-sensitive) or `contains` (case-insensitive). */
  listLogGroups(q: { prefix?: string; contains?: string; afterName?: string; limit: number }): Promise<LogGroupRecord[]>;
  /** False when the group does not exist. */
  setLogRetention(name: string, retentionDays: number | null): Promise<boolean>;
  /** Groups that have a retention, for the expiry sweep. */
  logGroupsWithRetention(): Promise<{ name: string; retentionDays: number }[]>;
  createLogStream(group: string, name: string, createdMs: number): Promise<'created' | 'exists' | 'no-group'>;
  getLogStream(group: string, name: string): Promise<LogStreamRecord | undefined>;
  /** Streams of a group ordered by name or by last event time, after the cursor `after` (exclusive). */
  listLogStreams(
    group: string,
    q: { prefix?: string; orderBy: 'LogStreamName' | 'LastEventTime'; descending: boolean; after?: { key: number | string; name: string }; limit: number },
  ): Promise<LogStreamRecord[]>;
  deleteLogStream(group: string, name: string): Promise<boolean>;
  /** Appends events (already validated and sorted) to an existing stream; returns its new sequence, or undefined when the stream is gone. */
  putLogEvents(group: string, stream: string, events: LogEvent[], ingestionMs: number): Promise<number | undefined>;
  /**
   * Events of one stream in (timestamp, id) order within [startMs, endMs), strictly after `after` or
   * strictly before `before`; `fromEnd` takes the last `limit` instead of the first (returned ascending).
   */
  readStreamEvents(
    group: string,
    stream: string,
    q: { startMs?: number; endMs?: number; after?: LogCursor; before?: LogCursor; fromEnd: boolean; limit: number },
  ): Promise<StoredLogEvent[]>;
  /** Events of a group across streams in (timestamp, id) order, after `after`; optionally only some streams. */
  scanGroupEvents(
    group: string,
    q: { streams?: string[]; streamPrefix?: string; startMs?: number; endMs?: number; after?: LogCursor; limit: number },
  ): Promise<StoredLogEvent[]>;
  /** Deletes at most `limit` events of a group older than `beforeMs`, keeping stream statistics true; returns how many. */
  expireLogEvents(group: string, beforeMs: number, limit: number): Promise<number>;
}

export interface EventSourceMappingQuery {
  eventSourceArn?: string;
  functionName?: string;
  functionArn?: string;
  afterUuid?: string;
  limit: number;
}

/** Lambda's event source mappings (queues polled for functions). */
export interface EventSourceMappingStore {
  /**
   * Inserts a mapping; StoreConflict if its UUID exists or another mapping
   * has the same event source and function ARN (AWS allows one per pair).
   */
  createEventSourceMapping(rec: EventSourceMappingRecord): Promise<void>;
  getEventSourceMapping(uuid: string): Promise<EventSourceMappingRecord | undefined>;
  /**
   * Mappings ordered by UUID after `afterUuid`, optionally only those of one
   * event source, one function (by name, whatever the qualifier) and/or one
   * exact function ARN (qualified or not).
   */
  listEventSourceMappings(q: EventSourceMappingQuery): Promise<EventSourceMappingRecord[]>;
  /**
   * Replaces the mapping when its revision id is still `expectedRevisionId`
   * (compare-and-swap); false when it is gone or changed; StoreConflict when
   * the new function ARN makes a pair another mapping has.
   */
  updateEventSourceMapping(rec: EventSourceMappingRecord, expectedRevisionId: string): Promise<boolean>;
  /** Deletes the mapping when its revision id is still `expectedRevisionId`; false when it is gone or changed. */
  deleteEventSourceMapping(uuid: string, expectedRevisionId: string): Promise<boolean>;
}

/**
 * `ok`; `exists` (create: the name is taken); `stale` (update: the alias is
 * gone or its revision changed); `no-function`; `no-version` naming the first
 * routed version that does not exist.
 */
export type AliasWriteResult =
  | { kind: 'ok' }
  | { kind: 'exists' }
  | { kind: 'stale' }
  | { kind: 'no-function' }
  | { kind: 'no-version'; version: string };

/** A change of a function's tags (TagResource sets, UntagResource removes). */
export interface TagChange {
  set?: Record<string, string>;
  remove?: string[];
}

/** `ok` with the tags now stored; `no-function`; `too-many` with the count the change would have made. */
export type TagChangeResult =
  | { kind: 'ok'; tags: Record<string, string> }
  | { kind: 'no-function' }
  | { kind: 'too-many'; count: number };

/**
 * Everything the server persists. A concern added later (code signing, …)
 * is one more interface in this intersection.
 * Domain services take the narrowest of these they need.
 */
/**
 * Reserved concurrency per function (PutFunctionConcurrency). A reservation
 * is checked against the account in the same transaction that writes it:
 * the reservations of all functions together never exceed `reservableMax`
 * (the account limit minus the unreserved floor), even when two puts for
 * different functions race (exactly one may take the last units).
 */
export interface ReservedConcurrencyStore {
  /**
   * Sets `name`'s reservation to `reserved` when the function exists and the
   * sum of every other function's reservation plus `reserved` is at most
   * `reservableMax`; otherwise writes nothing and says why.
   */
  putReservedConcurrency(name: string, reserved: number, reservableMax: number): Promise<'ok' | 'no-function' | 'over-limit'>;
  /** Removes the reservation; false when the function does not exist (no reservation is not an error). */
  deleteReservedConcurrency(name: string): Promise<boolean>;
  /** The reservation, or undefined when none (or no such function). */
  getReservedConcurrency(name: string): Promise<number | undefined>;
  /** Every reservation, by function name (read once at start-up by the limiter). */
  listReservedConcurrency(): Promise<Map<string, number>>;
}

/** Why a provisioned concurrency put wrote nothing. */
export type ProvisionedPutResult =
  | 'ok' | 'no-function' | 'no-qualifier' | 'over-reserved' | 'over-account'
  /** The alias's version has a config of its own (AWS: one config per version, directly or through an alias). */
  | 'version-provisioned'
  /** An alias pointing at this version has a config. */
  | 'alias-provisioned';

/**
 * Provisioned concurrency configs per version or alias. A put checks, in the
 * transaction that writes it, that the function's configs together stay
 * within its reservation when it has one, and otherwise that every
 * reservation plus the provisioned concurrency of the functions without one
 * stays within `reservableMax` (the account limit minus the unreserved
 * floor): AWS takes provisioned concurrency out of the reserved or the
 * unreserved share. Deleting a version, an alias or the function deletes its
 * configs in the same transaction.
 */
export interface ProvisionedConcurrencyStore {
  putProvisionedConcurrency(rec: ProvisionedConcurrencyRecord, reservableMax: number): Promise<ProvisionedPutResult>;
  /** Removes one config; false when there was none. */
  deleteProvisionedConcurrency(functionName: string, qualifier: string): Promise<boolean>;
  getProvisionedConcurrency(functionName: string, qualifier: string): Promise<ProvisionedConcurrencyRecord | undefined>;
  /** One function's configs (every function's when undefined: read at start-up), by function then qualifier. */
  listProvisionedConcurrency(functionName?: string): Promise<ProvisionedConcurrencyRecord[]>;
}

export type Store = MetadataStore & AsyncQueueStore & LogStore & InvokeConfigStore & FunctionUrlStore & FunctionPolicyStore & ReservedConcurrencyStore & ProvisionedConcurrencyStore
  & EventSourceMappingStore & TopicStore & QueueStore & StreamStore & CheckpointStore & AuditStore & EventBusStore & ParameterStore & IdentityStore & ScheduleStore & MetricStore & SubscriptionFilterStore & HttpApiStore & {
  /** Closes the connections; every write that resolved before is durable. */
  close(): Promise<void>;
};

export type { HttpApiStore };

export class StoreConflict extends Error {}

/**
 * Optional capability of a store several servers share (PostgreSQL:
 * LISTEN/NOTIFY): `cb` runs when any of them enqueued an async event, so
 * every queue wakes without polling. Returns the unsubscribe function.
 */
export interface AsyncWakeups {
  onAsyncEnqueued(cb: () => void): () => void;
}

export function hasAsyncWakeups<S extends object>(s: S): s is S & AsyncWakeups {
  return typeof (s as Partial<AsyncWakeups>).onAsyncEnqueued === 'function';
}
