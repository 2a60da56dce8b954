/**
 * The persistence interface. Only `src/store/` does persistence I/O for
 * metadata, queues and logs. Every method is async so a PostgreSQL
 * implementation can follow without changing callers; the SQLite one is
 * synchronous underneath. A method that resolves has made its write durable.
 */

/** Stored configuration of one function version (what FunctionConfiguration is built from). */
export interface VersionRecord {
  functionName: string;
  /** '$LATEST' or a published number. */
  version: string;
  /** Non-secret configuration as given by the user (validated). */
  config: FunctionConfig;
  /** Environment variables, sealed with the keyring (never stored in clear). Null when none. */
  envSealed: string | null;
  /** Blob key (hex SHA-256) of the code zip. */
  codeKey: string;
  codeSha256: string;
  codeSize: number;
  /** Bytes of the unpacked code (AWS's 262,144,000-byte limit counts code plus layers). */
  codeUnzippedBytes?: number;
  revisionId: string;
  /** ISO-8601 with milliseconds and +0000 offset, as AWS formats LastModified. */
  lastModified: string;
  state: 'Pending' | 'Active' | 'Inactive' | 'Failed';
  stateReason: string | null;
  stateReasonCode: string | null;
  lastUpdateStatus: 'Successful' | 'Failed' | 'InProgress';
  lastUpdateStatusReason: string | null;
  lastUpdateStatusReasonCode: string | null;
  /** Published versions: $LATEST's Description when it was published (the version's own may be overridden). */
  publishedFromDescription?: string;
}

export interface FunctionConfig {
  runtime: string;
  handler: string;
  role: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  ephemeralStorageMb: number;
  architectures: string[];
  packageType: 'Zip';
  logFormat: 'Text' | 'JSON';
  applicationLogLevel?: string;
  systemLogLevel?: string;
  logGroup: string;
  tracingMode: 'PassThrough' | 'Active';
  kmsKeyArn?: string;
  layers: LayerRef[];
  /** Names of environment variables (values live sealed). */
  envKeys: string[];
  /** An Environment was given (AWS then returns it, even `{Variables: {}}`). */
  environmentSet?: boolean;
  /** An empty VpcConfig ("no VPC") was given; AWS then returns the empty VpcConfig. */
  vpcConfigSet?: boolean;
}

/** A layer version a function uses; what EEs need is copied here so a deleted layer version keeps working. */
export interface LayerRef {
  arn: string;
  codeKey: string;
  codeSize: number;
  unzippedBytes: number;
}

export interface AliasRecord {
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** AdditionalVersionWeights: at most one extra version, weight in [0, 1]. */
  additionalVersionWeights: Record<string, number>;
  revisionId: string;
}

export interface LayerVersionRecord {
  layerName: string;
  version: number;
  description: string;
  createdDate: string;
  codeKey: string;
  codeSha256: string;
  codeSize: number;
  unzippedBytes: number;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo?: string;
  /** Resource policy statements (AddLayerVersionPermission). */
  statements: Record<string, unknown>[];
  policyRevisionId: string;
}

export interface FunctionRecord {
  name: string;
  createdAt: string;
  latest: VersionRecord;
}

export interface AsyncEvent {
  id: string;
  functionName: string;
  qualifier: string;
  payload: Buffer;
  requestId: string;
  /** Attempts made so far. */
  attempts: number;
  /** Epoch ms when the event is next due. */
  dueAtMs: number;
  enqueuedAtMs: number;
  clientContext?: string;
}

export interface LogEvent {
  timestampMs: number;
  message: string;
}

/** Log events of one stream, written together. */
export interface LogBatch {
  group: string;
  stream: string;
  events: LogEvent[];
}

/** A CloudWatch Logs log group (created by CreateLogGroup, or by a function's first log line). */
export interface LogGroupRecord {
  name: string;
  createdMs: number;
  /** Null: never expire. */
  retentionDays: number | null;
  kmsKeyId: string | null;
  /** Bytes of the messages of its events (UTF-8). */
  storedBytes: number;
}

export interface LogStreamRecord {
  group: string;
  name: string;
  createdMs: number;
  firstEventMs: number | null;
  lastEventMs: number | null;
  lastIngestionMs: number | null;
  storedBytes: number;
  /** Batches written so far (the upload sequence token is derived from it). */
  sequence: number;
}

/** A stored event with its position: events are ordered by (timestampMs, id). */
export interface StoredLogEvent extends LogEvent {
  id: number;
  stream: string;
  ingestionMs: number;
}

/** A position in (timestamp, id) order. */
export interface LogCursor {
  timestampMs: number;
  id: number;
}

export interface Store {
  /** Inserts a new function with its $LATEST; throws StoreConflict if the name exists. */
  createFunction(rec: FunctionRecord): Promise<void>;
  getFunction(name: string): Promise<FunctionRecord | undefined>;
  /** Page of functions ordered by name, starting after `afterName`. */
  listFunctions(afterName: string | undefined, limit: number): Promise<FunctionRecord[]>;
  /**
   * Replaces $LATEST when its current revision id equals `expectedRevisionId`
   * (compare-and-swap); returns false when it did not (someone else won).
   */
  updateLatest(rec: VersionRecord, expectedRevisionId: string): Promise<boolean>;
  /** Deletes a function and all its versions; returns false if it did not exist. */
  deleteFunction(name: string): Promise<boolean>;
  countFunctions(): Promise<{ count: number; totalCodeSize: number }>;

  /**
   * Publishes a version atomically: when $LATEST's revision is still
   * `expectedLatestRevision`, allocates the next number (never reused) and
   * inserts `build(number)`. Returns undefined when $LATEST changed meanwhile.
   */
  publishVersion(name: string, expectedLatestRevision: string, build: (version: string) => VersionRecord): Promise<VersionRecord | undefined>;
  getVersion(name: string, version: string): Promise<VersionRecord | undefined>;
  /** Published versions in ascending number, after `afterVersion` (0 = from the first). */
  listVersions(name: string, afterVersion: number, limit: number): Promise<VersionRecord[]>;
  /** Deletes a published version unless an alias references it; returns the referencing aliases instead. */
  deleteVersion(name: string, version: string): Promise<{ deleted: boolean; aliases: string[] }>;

  createAlias(rec: AliasRecord): Promise<void>;
  getAlias(functionName: string, name: string): Promise<AliasRecord | undefined>;
  listAliases(functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]>;
  /** Compare-and-swap on the alias's revision id. */
  updateAlias(rec: AliasRecord, expectedRevisionId: string): Promise<boolean>;
  deleteAlias(functionName: string, name: string): Promise<boolean>;

  getTags(functionName: string): Promise<Record<string, string> | undefined>;
  /** Replaces the tag map; false when the function does not exist. */
  setTags(functionName: string, tags: Record<string, string>): Promise<boolean>;

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

  enqueueAsync(ev: AsyncEvent): Promise<void>;
  /**
   * Up to `limit` events due at or before `nowMs`, leased to `ownerId` (the
   * poller of one server process lifetime) until `leaseUntilMs`.
   */
  leaseDueAsync(nowMs: number, leaseUntilMs: number, limit: number, ownerId: string): Promise<AsyncEvent[]>;
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
  rescheduleAsync(id: string, attempts: number, dueAtMs: number): Promise<void>;
  deleteAsync(id: string): Promise<void>;
  /** Earliest due time of any pending event, for the poller's timer. */
  nextAsyncDueMs(): Promise<number | undefined>;

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

  close(): Promise<void>;
}

export class StoreConflict extends Error {}

/**
 * Optional capability of a store several servers share (PostgreSQL:
 * LISTEN/NOTIFY): `cb` runs when any of them enqueued an async event, so
 * every queue wakes without polling. Returns the unsubscribe function.
 */
export interface AsyncWakeups {
  onAsyncEnqueued(cb: () => void): () => void;
}

export function hasAsyncWakeups(s: Store): s is Store & AsyncWakeups {
  return typeof (s as Partial<AsyncWakeups>).onAsyncEnqueued === 'function';
}
