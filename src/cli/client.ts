import fs from 'node:fs';
import path from 'node:path';
import type * as Sdk from '@aws-sdk/client-lambda';
import type * as SqsSdk from '@aws-sdk/client-sqs';
import type * as IamSdk from '@aws-sdk/client-iam';
import type * as SnsSdk from '@aws-sdk/client-sns';
import type * as LogsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as EventsSdk from '@aws-sdk/client-eventbridge';
import type * as KinesisSdk from '@aws-sdk/client-kinesis';
import type * as SsmSdk from '@aws-sdk/client-ssm';
import type * as SchedulerSdk from '@aws-sdk/client-scheduler';
import type * as ApiGwSdk from '@aws-sdk/client-apigatewayv2';

/** Where the CLI finds the server and who it is to it. */
export interface CliConfig {
  endpoint: string;
  region: string;
  accountId: string;
  dataDir: string;
  /** True when the endpoint is this machine (then the data dir's credentials apply). */
  local: boolean;
  /** Where the credentials come from, for messages. */
  credentialSource: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export const defaultEndpoint = 'http://127.0.0.1:9001';

/** A failure to show as one line (`kumo: <message>`), with an exit code; never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * --data-dir, else KUMO_DATA_DIR, else the nearest `.kumo` in this directory or
 * a parent (a project made with `kumo init` inside the server's directory
 * finds the server's data dir), else ./.kumo.
 */
export function dataDirFrom(flag: string | true | undefined): string {
  if (typeof flag === 'string') return path.resolve(flag);
  if (process.env.KUMO_DATA_DIR) return path.resolve(process.env.KUMO_DATA_DIR);
  for (let dir = process.cwd(); ; ) {
    const candidate = path.join(dir, '.kumo');
    if (fs.existsSync(path.join(candidate, 'credentials.json')) || fs.existsSync(path.join(candidate, 'kumo.db'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.resolve('.kumo');
}

function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '0.0.0.0';
}

/**
 * KUMO_ENDPOINT (default http://127.0.0.1:9001). Credentials, first found:
 * KUMO_ACCESS_KEY_ID/KUMO_SECRET_ACCESS_KEY (what the server itself takes);
 * for a local server, `<data dir>/credentials.json`; else the AWS SDK's
 * default chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, ~/.aws/credentials).
 */
export function loadCliConfig(flags: Record<string, string | true> = {}): CliConfig {
  const endpoint = (typeof flags.endpoint === 'string' ? flags.endpoint : process.env.KUMO_ENDPOINT || defaultEndpoint).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError(`KUMO_ENDPOINT is not a URL: ${endpoint}`, 2);
  }
  const region = process.env.KUMO_REGION || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const accountId = process.env.KUMO_ACCOUNT_ID || '000000000000';
  const dataDir = dataDirFrom(flags['data-dir']);
  const local = isLocalHost(url.hostname);
  const cfg: CliConfig = { endpoint, region, accountId, dataDir, local, credentialSource: 'AWS SDK default chain (AWS_* variables, profiles)' };
  if (process.env.KUMO_ACCESS_KEY_ID && process.env.KUMO_SECRET_ACCESS_KEY) {
    cfg.credentials = { accessKeyId: process.env.KUMO_ACCESS_KEY_ID, secretAccessKey: process.env.KUMO_SECRET_ACCESS_KEY };
    cfg.credentialSource = 'KUMO_ACCESS_KEY_ID / KUMO_SECRET_ACCESS_KEY';
  } else if (local) {
    const file = path.join(dataDir, 'credentials.json');
    try {
      const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { accessKeyId?: string; secretAccessKey?: string };
      if (c.accessKeyId && c.secretAccessKey) {
        cfg.credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
        cfg.credentialSource = file;
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EACCES') throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return cfg;
}

/** The SDK client (the SDK is loaded on first use, so commands without the server start fast). */
export function lambdaClient(cfg: CliConfig): Sdk.LambdaClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof Sdk;
  return new LambdaClient({
    endpoint: cfg.endpoint,
    region: cfg.region,
    maxAttempts: 2,
    ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
  });
}

/** An SQS client for the same server and credentials (loaded on first use). */
export function sqsClient(cfg: CliConfig): SqsSdk.SQSClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SQSClient } = require('@aws-sdk/client-sqs') as typeof SqsSdk;
  return new SQSClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

/** An IAM client for the same server and credentials (loaded on first use; IAM's region is its global one, us-east-1). */
export function iamClient(cfg: CliConfig): IamSdk.IAMClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { IAMClient } = require('@aws-sdk/client-iam') as typeof IamSdk;
  return new IAMClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

/** An SNS client for the same server and credentials (loaded on first use). */
export function snsClient(cfg: CliConfig): SnsSdk.SNSClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SNSClient } = require('@aws-sdk/client-sns') as typeof SnsSdk;
  return new SNSClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

/** A CloudWatch Logs client for the same server and credentials (loaded on first use). */
/** An SSM (Parameter Store) client for the server, loaded on first use. */
export function ssmClient(cfg: CliConfig): SsmSdk.SSMClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SSMClient } = require('@aws-sdk/client-ssm') as typeof SsmSdk;
  return new SSMClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

export function logsClient(cfg: CliConfig): LogsSdk.CloudWatchLogsClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CloudWatchLogsClient } = require('@aws-sdk/client-cloudwatch-logs') as typeof LogsSdk;
  return new CloudWatchLogsClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

/** An EventBridge client for the same server and credentials (loaded on first use). */
export function eventsClient(cfg: CliConfig): EventsSdk.EventBridgeClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EventBridgeClient } = require('@aws-sdk/client-eventbridge') as typeof EventsSdk;
  return new EventBridgeClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

/** An API Gateway v2 client for the same server and credentials (loaded on first use). */
export function apiGatewayV2Client(cfg: CliConfig): ApiGwSdk.ApiGatewayV2Client {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ApiGatewayV2Client } = require('@aws-sdk/client-apigatewayv2') as typeof ApiGwSdk;
  return new ApiGatewayV2Client({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

/** A Kinesis client for the same server and credentials (loaded on first use). */
export function kinesisClient(cfg: CliConfig): KinesisSdk.KinesisClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KinesisClient } = require('@aws-sdk/client-kinesis') as typeof KinesisSdk;
  return new KinesisClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

/** An EventBridge Scheduler client for the same server and credentials (loaded on first use). */
export function schedulerClient(cfg: CliConfig): SchedulerSdk.SchedulerClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SchedulerClient } = require('@aws-sdk/client-scheduler') as typeof SchedulerSdk;
  return new SchedulerClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
  errors?: unknown[];
}

/** One line for any error: `<AWS error name>: <message>` for server errors, a hint for connection problems. */
export function describeError(e: unknown, cfg?: CliConfig): string {
  if (e instanceof CliError) return e.message;
  const err = (e ?? {}) as SdkError;
  const code = err.code ?? (err.errors as SdkError[] | undefined)?.[0]?.code;
  const where = cfg?.endpoint ?? (process.env.KUMO_ENDPOINT || defaultEndpoint).replace(/\/+$/, '');
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ECONNRESET') {
    return `cannot reach the Kumo server at ${where} (${code}): start it with \`kumo server\` or set KUMO_ENDPOINT`;
  }
  if (err.name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? '')) {
    return (
      `no credentials for ${where}: use the ones \`kumo server\` printed ` +
      `(export AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or point --data-dir / KUMO_DATA_DIR at the server's data dir`
    );
  }
  if (err.$metadata) {
    const name = err.name && err.name !== 'Error' ? err.name : `HTTP ${err.$metadata.httpStatusCode ?? '?'}`;
    const msg = err.message && err.message !== 'UnknownError' ? err.message : 'no message';
    return `${name}: ${msg}`;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

export class NotSupportedError extends CliError {
  /** The operation the server did not know (GetQueueUrl). */
  constructor(message: string, readonly operation = '') {
    super(message);
  }
}

/** True when the server does not know the operation (an older server, or a feature not built yet). */
export function isUnknownOperation(e: unknown): boolean {
  const err = e as SdkError;
  if (err?.name === 'UnknownOperationException' || (err?.$metadata?.httpStatusCode === 404 && /Unknown operation/i.test(err.message ?? ''))) return true;
  // A query-protocol client (IAM) cannot parse the JSON answer of a server without that service: the raw body says it.
  const raw = (e as { $response?: { body?: unknown } })?.$response?.body;
  return typeof raw === 'string' && /"message":"Unknown operation"/.test(raw);
}

/** Runs an API call; an UnknownOperationException becomes a clear "not supported by this server yet" naming the feature. */
export async function feature<T>(what: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUnknownOperation(e)) throw new NotSupportedError(`${what} is not supported by this server yet (it does not know ${operation})`, operation);
    throw e;
  }
}
