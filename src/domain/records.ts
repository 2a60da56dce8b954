/**
 * The domain's records: what control/, logs/, async/ and invoke/ work with
 * and what a store persists. They live here, outside the persistence code, so
 * a store implementation depends on the domain and never the other way round
 * (src/boundaries.test.ts checks that src/domain/ imports nothing from
 * src/store/).
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
  /** DeadLetterConfig.TargetArn: the queue or topic failed async events go to (part of the version's snapshot, as in AWS). */
  deadLetterTargetArn?: string;
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
  /**
   * Tags given at creation, written in the same transaction as the function
   * (`createFunction`); reads leave it out (tags are read with `getTags`).
   */
  tags?: Record<string, string>;
}

export interface AsyncEvent {
  id: string;
  functionName: string;
  qualifier: string;
  payload: Buffer;
  requestId: string;
  /** Attempts made so far. */
  attempts: number;
  /**
   * When the event was enqueued, as epoch ms of *this process's* clock: the
   * store measures the event's age with its own clock (PostgreSQL: the
   * database's) when it leases it and gives it back as `Date.now() - age`,
   * so `Date.now() - enqueuedAtMs` (MaximumEventAgeInSeconds) never
   * compares two hosts' clocks.
   */
  enqueuedAtMs: number;
  clientContext?: string;
  /** The X-Amzn-Trace-Id the Event invoke came with: every attempt runs in that trace (src/tracing/). */
  traceHeader?: string;
}

/** An event to enqueue: the store stamps its enqueue time (and due time) with its own clock. */
export type NewAsyncEvent = Omit<AsyncEvent, 'enqueuedAtMs'>;

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

/**
 * A function's asynchronous invocation settings for one qualifier
 * (PutFunctionEventInvokeConfig): `$LATEST` (also the unqualified function),
 * a version number or an alias. Members are kept as given: AWS returns only
 * the ones that were set (default retries 2, maximum age 21,600 s apply when
 * absent).
 */
export interface EventInvokeConfigRecord {
  functionName: string;
  qualifier: string;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  /** Destination ARNs (a queue, topic or function). */
  onSuccess?: string;
  onFailure?: string;
  /** When it was last written, epoch milliseconds (AWS: LastModified, epoch seconds). */
  lastModifiedMs: number;
}

/** A provisioned concurrency config of a version or alias (PutProvisionedConcurrencyConfig). */
export interface ProvisionedConcurrencyRecord {
  functionName: string;
  /** A version number or an alias name (never $LATEST). */
  qualifier: string;
  /** RequestedProvisionedConcurrentExecutions. */
  requested: number;
  /** When it was last written, epoch milliseconds (AWS: LastModified, an ISO 8601 string). */
  lastModifiedMs: number;
}

/** CORS settings of a function URL, as CreateFunctionUrlConfig's `Cors` gives them (members only as set). */
export interface FunctionUrlCors {
  allowCredentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  allowOrigins?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

/** A function URL config (CreateFunctionUrlConfig): one per function for `$LATEST` (no Qualifier) or per alias. */
/**
 * One function qualifier's resource-based policy (AddPermission): the
 * statements in the order they were added, as AWS forms them (Sid, Effect,
 * Principal, Action, Resource, Condition), and the policy's own RevisionId.
 */
export interface FunctionPolicyRecord {
  functionName: string;
  /** `$LATEST` for the unqualified function (AWS allows no policy on `:$LATEST` itself), a version number or an alias name. */
  qualifier: string;
  statements: PolicyStatement[];
  revisionId: string;
}

/** A statement of a function policy (JSON, key order as AWS writes it). */
export type PolicyStatement = { Sid: string } & Record<string, unknown>;

export interface FunctionUrlRecord {
  functionName: string;
  /** `$LATEST` (the unqualified function) or an alias name; AWS allows no version number. */
  qualifier: string;
  /** The 32-character id that names the URL (`<urlId>.lambda-url.<region>.on.aws` at AWS). */
  urlId: string;
  authType: 'NONE' | 'AWS_IAM';
  cors?: FunctionUrlCors;
  /** As the caller set it (AWS echoes it on Create/Update only when set; Get and List say BUFFERED when unset). */
  invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
  createdMs: number;
  lastModifiedMs: number;
}
