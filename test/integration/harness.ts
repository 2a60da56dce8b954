import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import yazl from 'yazl';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');
const mainJs = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
export const testCreds = { accessKeyId: 'AKIDKUMOTEST00000000', secretAccessKey: 'kumo-test-secret-0000000000000000000000' };
export const role = 'arn:aws:iam::000000000000:role/lambda-role';

export interface RunningServer {
  port: number;
  endpoint: string;
  dataDir: string;
  proc: ChildProcess;
  client: LambdaClient;
  output(): string;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash). */
  kill9(): Promise<void>;
}

/**
 * Starts the real server (`kumo server`) as its own process on port 0 with a
 * temporary data dir (or the given one, to test restarts), and an SDK client for it.
 */
export async function startServer(opts: { dataDir?: string; env?: Record<string, string>; grant?: readonly string[] } = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-it-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    KUMO_ACCESS_KEY_ID: testCreds.accessKeyId,
    KUMO_SECRET_ACCESS_KEY: testCreds.secretAccessKey,
    ...opts.env,
  };
  const proc = spawn(process.execPath, [mainJs, 'server', '--port', '0', '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new LambdaClient({ endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
  if (opts.grant?.length) await grantRole(endpoint, 'lambda-role', opts.grant);
  return {
    port,
    endpoint,
    dataDir,
    proc,
    client,
    output: () => out,
    stop: async () => {
      client.destroy();
      proc.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      client.destroy();
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * What the functions of tests driven by queues and streams, or delivering to
 * destinations and dead-letter queues, need of their execution role
 * (Lambda acts as the role, issue 18): AWS's managed policies for SQS and
 * Kinesis event sources, and sending to SQS, SNS, Lambda and EventBridge.
 */
export const workerPolicies = [
  'arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole',
  'arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole',
  'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
  'arn:aws:iam::aws:policy/AmazonSNSFullAccess',
  'arn:aws:iam::aws:policy/service-role/AWSLambdaRole',
  'arn:aws:iam::aws:policy/AmazonEventBridgeFullAccess',
] as const;

/** Attaches managed policies to a role of the server's account (through IAM, as a user would). */
export async function grantRole(endpoint: string, roleName: string, policyArns: readonly string[]): Promise<void> {
  const { IAMClient, AttachRolePolicyCommand } = await import('@aws-sdk/client-iam');
  const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
  try {
    for (const PolicyArn of policyArns) await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn }));
  } finally {
    iam.destroy();
  }
}

/** Builds a zip in memory. Files named `bootstrap` (or given mode) are executable. */
export function makeZip(files: Record<string, string | Buffer>, modes: Record<string, number> = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const [name, content] of Object.entries(files)) {
      const mode = modes[name] ?? (path.basename(name) === 'bootstrap' ? 0o755 : 0o644);
      z.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { mode: mode | 0o100000 });
    }
    z.end();
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

export const decode = (p: Uint8Array | undefined) => Buffer.from(p ?? []).toString('utf8');
export const encode = (o: unknown) => Buffer.from(JSON.stringify(o));

/** Checks that no container, netns or cgroup of this data dir's sandboxes remains. */
export function leftovers(dataDir: string): string[] {
  const found: string[] = [];
  const stateDir = path.join(dataDir, 'sandbox', 'runc-state');
  if (fs.existsSync(stateDir)) for (const e of fs.readdirSync(stateDir)) found.push(`runc:${e}`);
  return found;
}

/** Every stored log line of a function, oldest first, read from a (stopped or running) server's data dir, paging forward. */
export async function storedLogLines(dataDir: string, fn: string): Promise<string[]> {
  const pageMax = 10_000;
  const store = new SqliteStore(path.join(dataDir, 'kumo.db'));
  try {
    const out: string[] = [];
    let afterId = 0;
    for (;;) {
      const rows = await store.readLogs(`/aws/lambda/${fn}`, { afterId, limit: pageMax });
      for (const r of rows) out.push(r.message);
      if (rows.length < pageMax) return out;
      afterId = rows[rows.length - 1]!.id;
    }
  } finally {
    await store.close();
  }
}

/**
 * What an AWS user does before a NONE function URL serves anyone: the two
 * statements of AWS's public URL policy (principal `*`: lambda:InvokeFunctionUrl
 * with FunctionUrlAuthType NONE, and lambda:InvokeFunction with
 * InvokedViaFunctionUrl), on the function or on the alias the URL is for.
 */
export async function allowPublicUrl(c: LambdaClient, functionName: string, qualifier?: string): Promise<void> {
  await c.send(new AddPermissionCommand({
    FunctionName: functionName, Qualifier: qualifier, StatementId: 'FunctionURLAllowPublicAccess', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE',
  }));
  await c.send(new AddPermissionCommand({
    FunctionName: functionName, Qualifier: qualifier, StatementId: 'FunctionURLAllowInvokeAction', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true,
  }));
}
