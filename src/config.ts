import os from 'node:os';
import { eeCredentialsDurationMsDefault, eeCredentialsDurationMsMin, prewarmPoolMaxDefault } from './placement/limits';
/**
 * Every limit Kumo enforces, with its unit in the name and AWS's value cited
 * where AWS documents one (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 * Runtime settings (ports, dirs, timings) live in `KumoConfig`.
 */
export const limits = {
  /** Function memory, MB. AWS: 128–10,240. */
  memoryMbMin: 128,
  memoryMbMax: 10240,
  memoryMbDefault: 128,
  /** Function timeout, seconds. AWS: 1–900, default 3. */
  timeoutSecondsMin: 1,
  timeoutSecondsMax: 900,
  timeoutSecondsDefault: 3,
  /** /tmp size, MB. AWS: 512–10,240. */
  ephemeralStorageMbMin: 512,
  ephemeralStorageMbMax: 10240,
  ephemeralStorageMbDefault: 512,
  /** Environment variables, total bytes of keys+values. AWS: 4 KB. */
  environmentBytesMax: 4096,
  /** Zipped deployment package uploaded directly. AWS: 50 MB. */
  zipBytesMax: 50 * 1024 * 1024,
  /** Unzipped code (and layers). AWS: 262,144,000 bytes. */
  unzippedBytesMax: 262_144_000,
  /** Storage for all deployment packages and layers (GetAccountSettings' TotalCodeSize). AWS: 75 GB (80,530,636,800 bytes). */
  totalCodeBytesMax: 80_530_636_800,
  /** Entries in one zip; guards against entry-count bombs. */
  zipEntriesMax: 100_000,
  /** Synchronous invoke request and response payload. AWS: 6 MB (6,291,456 bytes). */
  syncPayloadBytesMax: 6 * 1024 * 1024,
  /**
   * Synchronous invoke response from the function. AWS: 6 MB plus 100 bytes
   * (6,291,556), the number its Function.ResponseSizeTooLarge message names
   * (recorded: LocalStack test_lambda.snapshot.json, test_lambda_too_large_response).
   */
  syncResponseBytesMax: 6 * 1024 * 1024 + 100,
  /**
   * Asynchronous invoke payload. AWS: 1 MB (the Invoke API reference: "The
   * maximum payload size is 6 MB for synchronous invocations and 1 MB for
   * asynchronous invocations"; it was 256 KB before), taken as 1,048,576 bytes.
   */
  asyncPayloadBytesMax: 1024 * 1024,
  /** Control-plane JSON request body (other than CreateFunction/UpdateFunctionCode zips, which carry base64 code). */
  controlBodyBytesMax: 72 * 1024 * 1024,
  /** X-Amz-Log-Result tail, bytes. AWS: last 4 KB. */
  logTailBytesMax: 4096,
  /** X-Amz-Client-Context header (base64), bytes. AWS: 3,583 bytes. */
  clientContextBytesMax: 3583,
  /** Processes/threads per EE. AWS: 1,024. */
  eePidsMax: 1024,
  /** Open file descriptors per EE. AWS: 1,024. */
  eeOpenFilesMax: 1024,
  /** Account concurrency (concurrent executions), unless KUMO_ACCOUNT_CONCURRENCY says otherwise. AWS default: 1,000 (new accounts may start at 10). */
  accountConcurrencyDefault: 1000,
  /**
   * Concurrency that reservations must leave to the functions without one.
   * AWS: 100 ("You can reserve up to the Unreserved account concurrency value
   * minus 100", configuration-concurrency.html). An account whose limit is
   * below it keeps its whole limit unreserved (AWS answers "…minimum value of
   * [10]" for a limit of 10), so only a reservation of 0 fits there.
   */
  unreservedConcurrencyMin: 100,
  /**
   * Concurrency scaling rate: new execution environments per function per
   * window, refilled continuously and never accumulated beyond one window's
   * worth. AWS: 1,000 every 10 s per function (scaling-behavior.html).
   */
  scalingRateEesPerWindow: 1000,
  scalingRateWindowMs: 10_000,
  /**
   * Default memory budget of the EEs on this host (KUMO_EE_MEMORY_BUDGET_MB
   * overrides it), as a fraction of the host's RAM: the rest is left to the
   * server, the page cache and whatever else runs on the host. (Kumo's own
   * choice: AWS places EEs on workers of its own and documents no such figure.)
   */
  eeMemoryBudgetFractionOfHost: 0.75,
  /** Concurrent cold starts on this host (further requests wait for a slot or a warm EE); placement uses min(this, 2 × cores). */
  coldStartsMax: 64,
  /** Functions listed per page. AWS: MaxItems 1–10,000 accepted, 50 returned by default. */
  listFunctionsPageDefault: 50,
  listFunctionsPageMax: 10000,
  /** ListFunctions never returns more than this a page, whatever MaxItems says (AWS: 50). */
  listFunctionsPageReturnedMax: 50,
  /** Function name. AWS: 1–64 characters (ARN forms up to 140). */
  functionNameCharsMax: 64,
  /** Handler string. AWS: up to 128 characters. */
  handlerCharsMax: 128,
  /** Description. AWS: up to 256 characters. */
  descriptionCharsMax: 256,
  /** SigV4 clock skew. AWS: 15 minutes. */
  sigV4ClockSkewMs: 15 * 60 * 1000,
  /** Async invoke retries. AWS default: 2. */
  asyncRetriesMax: 2,
  /** Async event age. AWS default/maximum: 6 hours. */
  asyncEventAgeSecondsMax: 6 * 60 * 60,
  /** Log events kept per log stream before the oldest are dropped. */
  logEventsPerStreamMax: 100_000,
  /** Runtime init phase. AWS: 10 s for managed runtimes (counted against nothing else). */
  initTimeoutMs: 10_000,
} as const;

/** Runtimes Kumo can run: the runtime registry's names. */
export { supportedRuntimes } from './runtimes/registry';

export interface KumoConfig {
  host: string;
  port: number;
  /**
   * The function URL listener's port (KUMO_URL_PORT); unset: the API port + 1
   * (0, an ephemeral port, when the API port is 0). Same host as the API.
   */
  urlPort?: number;
  /** The function URL listener's host (KUMO_URL_HOST); unset: the API's host (KUMO_HOST). */
  urlHost?: string;
  /**
   * Control plane vs data plane (issue 18 item 5): KUMO_INVOKE_PORT serves
   * Lambda's Invoke, InvokeAsync and InvokeWithResponseStream on their own
   * listener (on KUMO_INVOKE_HOST, else the API's host), and nothing else;
   * the API port then refuses them (AccessDeniedException naming the invoke
   * address). Unset: everything on the API port, as before.
   */
  invokePort?: number;
  invokeHost?: string;
  /** The Prometheus `/metrics` listener's port (KUMO_METRICS_PORT); unset: no such listener. Same host as the API. */
  metricsPort?: number;
  dataDir: string;
  region: string;
  accountId: string;
  /**
   * More accounts on this server (KUMO_ACCOUNTS, comma-separated 12-digit
   * ids; issue 18): each with its own root key, IAM, resources and limits,
   * beside `accountId`'s. Empty: one account.
   */
  accounts: string[];
  /** Idle time after which a warm EE is destroyed. */
  eeIdleMs: number;
  /** Idle time after which a warm EE is frozen (AWS freezes at once; a short grace spares steady traffic a freeze/thaw per request). */
  eeFreezeAfterMs: number;
  /** Delays before async retries 1 and 2 (AWS: about 1 and 2 minutes). */
  asyncRetryDelaysMs: number[];
  /** How often the async poller looks for due events when it has no wake-up. */
  asyncPollIntervalMs: number;
  /** Comma-separated CIDRs EEs may not / may reach beyond the default egress policy (validated by the sandbox driver). */
  egressDeny?: string;
  egressAllow?: string;
  /** How often log events past their group's retention are deleted (KUMO_LOGS_RETENTION_SWEEP_MS; AWS: within 72 hours). */
  logsRetentionSweepMs: number;
  /**
   * KUMO_DATABASE_URL (postgres://…): metadata, the async queue and logs in
   * that PostgreSQL (several servers may share it). Absent: the embedded
   * SQLite database in the data dir. Blobs and keys stay in the data dir either way.
   */
  databaseUrl?: string;
  /** The account's concurrency limit (KUMO_ACCOUNT_CONCURRENCY; default `limits.accountConcurrencyDefault`). */
  accountConcurrency: number;
  /** The scaling rate: new EEs per function per window (KUMO_SCALING_RATE_EES, KUMO_SCALING_RATE_WINDOW_MS). */
  scalingRateEes: number;
  scalingRateWindowMs: number;
  /** Memory (MB) that the EEs of this host may be promised together (KUMO_EE_MEMORY_BUDGET_MB). */
  eeMemoryBudgetMb: number;
  /**
   * Pre-initialised EEs (placement/prewarm-pool.ts): on unless KUMO_PREWARM
   * is `0`/`off`/`false`; at most `prewarmPoolMax` waiting at once
   * (KUMO_PREWARM_POOL_MAX).
   */
  prewarm: boolean;
  /**
   * Lambda's own CloudWatch metrics of sync invocations (Invocations, Duration,
   * cost…): on unless KUMO_LAMBDA_METRICS=0. Off exists for the benchmark's
   * metrics on/off comparison (issue 17's Numbers); users' PutMetricData,
   * EMF and the other metrics are unaffected.
   */
  lambdaMetrics: boolean;
  prewarmPoolMax: number;
  /**
   * KUMO_DEBUG_FUNCTIONS (off by default): the server accepts `kumo dev
   * --debug`'s Kumo-only call that opens a function's debugger
   * (placement/debug.ts). An open inspector runs any code in the EE, so it
   * is for a machine the developer alone uses (SECURITY.md "Debugging").
   */
  debugFunctions: boolean;
  /**
   * How long each EE's execution-role credentials are valid
   * (KUMO_EE_CREDENTIALS_MS, default 6 h, at least 10 s); an EE is retired
   * before they expire (placement/limits.ts `eeRetireAtMs`).
   */
  eeCredentialsMs: number;
  /** Static credentials; when absent a pair is generated in the data dir. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

export function configFromEnv(overrides: Partial<KumoConfig> = {}): KumoConfig {
  const env = process.env;
  const cfg: KumoConfig = {
    host: env.KUMO_HOST ?? '127.0.0.1',
    port: env.KUMO_PORT ? Number(env.KUMO_PORT) : 9001,
    urlPort: env.KUMO_URL_PORT ? portNumber(env.KUMO_URL_PORT, 'KUMO_URL_PORT') : undefined,
    urlHost: env.KUMO_URL_HOST || undefined,
    invokePort: env.KUMO_INVOKE_PORT ? portNumber(env.KUMO_INVOKE_PORT, 'KUMO_INVOKE_PORT') : undefined,
    invokeHost: env.KUMO_INVOKE_HOST || undefined,
    metricsPort: env.KUMO_METRICS_PORT ? portNumber(env.KUMO_METRICS_PORT, 'KUMO_METRICS_PORT') : undefined,
    dataDir: env.KUMO_DATA_DIR ?? './.kumo',
    region: env.KUMO_REGION ?? 'us-east-1',
    accountId: env.KUMO_ACCOUNT_ID ?? '000000000000',
    accounts: accountIds(env.KUMO_ACCOUNTS, env.KUMO_ACCOUNT_ID ?? '000000000000'),
    eeIdleMs: env.KUMO_EE_IDLE_MS ? Number(env.KUMO_EE_IDLE_MS) : 10 * 60 * 1000,
    eeFreezeAfterMs: env.KUMO_EE_FREEZE_AFTER_MS ? Number(env.KUMO_EE_FREEZE_AFTER_MS) : 50,
    asyncRetryDelaysMs: env.KUMO_ASYNC_RETRY_DELAYS_MS
      ? env.KUMO_ASYNC_RETRY_DELAYS_MS.split(',').map(Number)
      : [60_000, 120_000],
    asyncPollIntervalMs: 1000,
    logsRetentionSweepMs: env.KUMO_LOGS_RETENTION_SWEEP_MS ? Number(env.KUMO_LOGS_RETENTION_SWEEP_MS) : 10 * 60 * 1000,
    databaseUrl: env.KUMO_DATABASE_URL || undefined,
    egressDeny: env.KUMO_EGRESS_DENY || undefined,
    egressAllow: env.KUMO_EGRESS_ALLOW || undefined,
    accountConcurrency: positiveInt(env, 'KUMO_ACCOUNT_CONCURRENCY', limits.accountConcurrencyDefault),
    scalingRateEes: positiveInt(env, 'KUMO_SCALING_RATE_EES', limits.scalingRateEesPerWindow),
    scalingRateWindowMs: positiveInt(env, 'KUMO_SCALING_RATE_WINDOW_MS', limits.scalingRateWindowMs),
    eeMemoryBudgetMb: positiveInt(
      env, 'KUMO_EE_MEMORY_BUDGET_MB', Math.floor((os.totalmem() / (1024 * 1024)) * limits.eeMemoryBudgetFractionOfHost),
    ),
    prewarm: onOff(env, 'KUMO_PREWARM', true),
    lambdaMetrics: onOff(env, 'KUMO_LAMBDA_METRICS', true),
    debugFunctions: debugFunctionsFromEnv(env),
    prewarmPoolMax: positiveInt(env, 'KUMO_PREWARM_POOL_MAX', prewarmPoolMaxDefault),
    eeCredentialsMs: atLeast(positiveInt(env, 'KUMO_EE_CREDENTIALS_MS', eeCredentialsDurationMsDefault), eeCredentialsDurationMsMin, 'KUMO_EE_CREDENTIALS_MS'),
    accessKeyId: env.KUMO_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.KUMO_SECRET_ACCESS_KEY || undefined,
  };
  if (cfg.invokeHost !== undefined && cfg.invokePort === undefined) throw new Error('KUMO_INVOKE_HOST is set but KUMO_INVOKE_PORT is not: the invoke listener needs a port');
  return { ...cfg, ...stripUndefined(overrides) };
}

function atLeast(n: number, min: number, name: string): number {
  if (n < min) throw new Error(`${name} must be at least ${min}, got ${n}`);
  return n;
}

/** A TCP port (0–65,535, 0 = any free one) from the environment; anything else stops the start with the variable's name. */
function portNumber(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a TCP port (0-65535), got '${raw}'`);
  return n;
}

/** A positive integer from the environment, or `dflt` when unset; anything else stops the start with the variable's name. */
/**
 * More accounts than this on one server are refused: AWS Organizations'
 * default quota of accounts in an organization is 10, and every account
 * runs its own background workers and database connections here.
 */
export const accountsMax = 10;

/** KUMO_ACCOUNTS: the other accounts' ids (12 digits each, distinct, not the server's own). */
function accountIds(raw: string | undefined, home: string): string[] {
  if (!/^\d{12}$/.test(home)) throw new Error(`KUMO_ACCOUNT_ID must be 12 digits, got '${home}'`);
  if (!raw || !raw.trim()) return [];
  const ids = raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const id of ids) if (!/^\d{12}$/.test(id)) throw new Error(`KUMO_ACCOUNTS: an account id is 12 digits, got '${id}'`);
  const set = new Set(ids);
  if (set.size !== ids.length) throw new Error('KUMO_ACCOUNTS names an account twice');
  if (set.has(home)) throw new Error(`KUMO_ACCOUNTS names the server's own account (${home}, KUMO_ACCOUNT_ID)`);
  if (ids.length + 1 > accountsMax) throw new Error(`KUMO_ACCOUNTS: at most ${accountsMax} accounts on one server (${accountsMax - 1} besides KUMO_ACCOUNT_ID), got ${ids.length + 1}`);
  return ids;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** A switch from the environment: 1/on/true or 0/off/false (any case); unset → `dflt`; anything else stops the start. */
/** KUMO_DEBUG_FUNCTIONS: read by the API process and by the sandbox supervisor (which opens the EEs' inspector port to the host). */
export function debugFunctionsFromEnv(env: NodeJS.ProcessEnv): boolean {
  return onOff(env, 'KUMO_DEBUG_FUNCTIONS', false);
}

function onOff(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = raw.toLowerCase();
  if (['1', 'on', 'true'].includes(v)) return true;
  if (['0', 'off', 'false'].includes(v)) return false;
  throw new Error(`${name} must be on or off (1/0, true/false), got '${raw}'`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
