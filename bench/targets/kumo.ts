/** Kumo itself: `bin/kumo server` on port 0 with a temp data dir, functions deployed with the AWS SDK. */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import {
  CreateFunctionCommand, DeleteFunctionCommand, LambdaClient, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { AttachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import yazl from 'yazl';
import { makeSigner, type Endpoint } from '../lib/load';
import { makeSqsSigner, type SqsEndpoint } from '../lib/sqs';
import { makeKinesisSigner, type KinesisEndpoint } from '../lib/kinesis';
import { kumoProcesses, measuredEnv, removeTempDir, runSync, start, statusBytes, tempDir, type Tracked } from '../lib/procs';
import type { StoreMode } from '../lib/db-use';
import type { WarmTarget } from './types';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');
const kumoBin = path.join(projectRoot, 'bin', 'kumo');
const region = 'us-east-1';
const role = 'arn:aws:iam::000000000000:role/lambda-role';

/** The no-op handlers every target runs (same shape as the floors' and the peer's). */
export const noopCode = {
  'nodejs20.x': { handler: 'index.handler', files: { 'index.js': 'exports.handler = async () => ({ ok: true });\n' } },
  'python3.11': { handler: 'app.handler', files: { 'app.py': 'def handler(event, context):\n    return {"ok": True}\n' } },
} as const;

/** The async benchmark's handler: logs when it ran (EE and host share the clock) and the send time it was given. */
/** The stream phase's function: does nothing but log how many records a batch had (the phase counts them from the logs). */
export const streamCode = {
  handler: 'index.handler',
  files: { 'index.js': "exports.handler = async (e) => { console.log('RECORDS ' + e.Records.length); return {}; };\n" },
};

export const asyncCode = {
  handler: 'index.handler',
  files: { 'index.js': "exports.handler = async (e) => { console.log('BENCH_RAN ' + e.t + ' ' + Date.now()); return { ok: true }; };\n" },
};

/** A no-op java17 handler (compiled by bench/run.ts with the manifest's javac, Kumo's runtime jar on the class path). */
export const javaNoopSource = {
  handler: 'bench.Noop::handleRequest',
  sources: {
    'bench/Noop.java': 'package bench;\nimport java.util.Map;\npublic class Noop {\n  public Map<String, Boolean> handleRequest(Map<String, Object> e) { return Map.of("ok", true); }\n}\n',
  },
};

/** The no-op ruby3.2 handler. */
export const rubyNoopCode = { handler: 'app.handler', files: { 'app.rb': 'def handler(event:, context:)\n  { ok: true }\nend\n' } };

export function makeZip(files: Record<string, string | Buffer>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { mode: 0o100644 });
    z.end();
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

export class Kumo {
  readonly creds = { accessKeyId: `AKIDBENCH${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('hex') };
  readonly signer = makeSigner(region, this.creds.accessKeyId, this.creds.secretAccessKey);
  readonly sqsSigner = makeSqsSigner(region, this.creds.accessKeyId, this.creds.secretAccessKey);
  readonly kinesisSigner = makeKinesisSigner(region, this.creds.accessKeyId, this.creds.secretAccessKey);
  client!: LambdaClient;
  port = 0;
  proc!: Tracked;
  readonly dataDir = tempDir('kumo-data');

  get pid(): number {
    return this.proc.pid;
  }

  /** KUMO_DATABASE_URL of the server (bench --database postgres); undefined: SQLite in the data dir. */
  databaseUrl: string | undefined;

  get database(): StoreMode {
    return this.databaseUrl ? 'postgres' : 'sqlite';
  }

  /** Extra environment of the server (bench phase `tracing`: the OTLP collector). */
  extraEnv: Record<string, string> = {};

  /** Node.js flags of the server process (bench/profile.ts: `--cpu-prof`); empty: `bin/kumo` as a user runs it. */
  nodeArgs: string[] = [];

  /** The checkout whose build runs (bench/profile.ts --ab: another build beside this one); default this one. */
  root = projectRoot;

  static async start(opts: { databaseUrl?: string; env?: Record<string, string>; nodeArgs?: string[]; root?: string } = {}): Promise<Kumo> {
    const root = opts.root ?? projectRoot;
    if (!fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error(`Kumo is not built (${root}/dist/src/cli/main.js missing): run make build`);
    const k = new Kumo();
    k.root = root;
    k.databaseUrl = opts.databaseUrl;
    k.extraEnv = opts.env ?? {};
    k.nodeArgs = opts.nodeArgs ?? [];
    await k.launch();
    return k;
  }

  private async launch(): Promise<void> {
    const args = ['server', '--port', '0', '--data-dir', this.dataDir];
    const [cmd, argv] = this.nodeArgs.length || this.root !== projectRoot ? [process.execPath, [...this.nodeArgs, path.join(this.root, 'dist', 'src', 'cli', 'main.js'), ...args]] : [kumoBin, args];
    this.proc = start(cmd, argv, {
      cwd: this.root,
      env: measuredEnv({
        KUMO_ACCESS_KEY_ID: this.creds.accessKeyId, KUMO_SECRET_ACCESS_KEY: this.creds.secretAccessKey,
        ...(this.databaseUrl ? { KUMO_DATABASE_URL: this.databaseUrl } : {}),
        ...(process.env.KUMO_EE_FREEZE_AFTER_MS ? { KUMO_EE_FREEZE_AFTER_MS: process.env.KUMO_EE_FREEZE_AFTER_MS } : {}),
        // Pre-initialised EEs (on by default): KUMO_PREWARM=0 measures the ordinary cold start for comparison.
        ...(process.env.KUMO_PREWARM ? { KUMO_PREWARM: process.env.KUMO_PREWARM } : {}),
        ...(process.env.KUMO_PREWARM_POOL_MAX ? { KUMO_PREWARM_POOL_MAX: process.env.KUMO_PREWARM_POOL_MAX } : {}),
        ...this.extraEnv,
      }),
    });
    const m = await this.proc.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
    this.port = Number(m[1]);
    this.client = new LambdaClient({ endpoint: `http://127.0.0.1:${this.port}`, region, credentials: this.creds, maxAttempts: 1 });
  }

  /**
   * What an event source mapping's function needs of its execution role (Lambda acts as the role, issue 18):
   * AWS's managed policies for SQS and Kinesis event sources, attached to the functions' `lambda-role` through IAM, as a user would.
   */
  async grantEventSources(): Promise<void> {
    const iam = new IAMClient({ endpoint: `http://127.0.0.1:${this.port}`, region, credentials: this.creds, maxAttempts: 1 });
    try {
      for (const PolicyArn of ['arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole', 'arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole']) {
        await iam.send(new AttachRolePolicyCommand({ RoleName: role.slice(role.lastIndexOf('/') + 1), PolicyArn }));
      }
    } finally {
      iam.destroy();
    }
  }

  endpoint(functionName: string): Endpoint {
    return { host: '127.0.0.1', port: this.port, functionName, signer: this.signer };
  }

  /** Kumo's SQS in the JSON 1.0 protocol (what current SDKs send), SigV4-signed per request. */
  kinesisEndpoint(): KinesisEndpoint {
    return { host: '127.0.0.1', port: this.port, signer: this.kinesisSigner };
  }

  sqsEndpoint(): SqsEndpoint {
    return { host: '127.0.0.1', port: this.port, hostHeader: `127.0.0.1:${this.port}`, protocol: 'json', signer: this.sqsSigner };
  }

  /** MemorySize of every benchmark function (see deploy). */
  static readonly memoryMb = 1769;

  async deploy(name: string, runtime: string, handler: string, files: Record<string, string | Buffer>, extra: Record<string, unknown> = {}): Promise<void> {
    await this.client.send(
      new CreateFunctionCommand({
        // 1,769 MB = one full vCPU: the benchmark measures the platform, not the CPU quota of a
        // 128 MB EE (7 % of a core, which throttles an EE serving hundreds of requests a second, as on AWS).
        FunctionName: name, Runtime: runtime as never, Role: role, Handler: handler, Code: { ZipFile: await makeZip(files) },
        MemorySize: Kumo.memoryMb, ...extra,
      }),
    );
    await waitUntilFunctionActiveV2({ client: this.client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { FunctionName: name });
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new DeleteFunctionCommand({ FunctionName: name }));
  }

  rss(): number | undefined {
    return statusBytes(this.pid);
  }

  processes() {
    return kumoProcesses(this.pid, this.dataDir);
  }

  /** `kumo logs NAME --data-dir DIR [--filter F]`: the function's log lines (from the server's PostgreSQL when it has one). */
  logs(name: string, filter?: string): string[] {
    const args = ['logs', name, '--data-dir', this.dataDir, '--limit', '10000'];
    if (filter) args.push('--filter', filter);
    const env = measuredEnv(this.databaseUrl ? { KUMO_DATABASE_URL: this.databaseUrl } : {});
    const r = runSync(kumoBin, args, { cwd: projectRoot, timeoutMs: 60_000, env });
    if (r.code !== 0) throw new Error(`kumo logs failed (${r.code}): ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l && (!filter || l.includes(filter)));
  }

  warmTarget(key: string, label: string, functionName: string): WarmTarget {
    return {
      key,
      label,
      group: 'kumo',
      database: this.database,
      endpoint: this.endpoint(functionName),
      runtimeProcesses: () => undefined,
      pids: () => {
        const p = this.processes();
        return {
          server: [this.pid, ...p.host.map((x) => x.pid)],
          runtime: [...p.ees.values()].flatMap((e) => [...e.runtime, ...e.other].map((x) => x.pid)),
        };
      },
      stop: async () => undefined,
    };
  }

  /**
   * SIGTERM (Kumo destroys every EE), then checks that nothing of this data
   * dir's sandboxes is left: container processes, runc state. Returns what was
   * left (also cleaned: containers are deleted with runc by this data dir's state).
   */
  async stop(): Promise<string[]> {
    this.client?.destroy();
    await this.proc.stop('SIGTERM', 60_000);
    const exit = await this.proc.exited;
    let left = this.leftovers();
    if (left.length || exit.signal === 'SIGKILL') {
      // Let Kumo's own crash recovery (start-up clean-up of this data dir's sandboxes) remove them.
      try {
        await this.launch();
        this.client.destroy();
        await this.proc.stop('SIGTERM', 60_000);
      } catch {
        // reported below
      }
      left = [...left.map((l) => `${l} (before recovery)`), ...this.leftovers()];
    }
    removeTempDir(this.dataDir);
    return left;
  }

  /** sha256 of the data dir's real path: Kumo names everything of this instance with a prefix of it (its tag). */
  private readonly dataDirHash = createHash('sha256').update(fs.realpathSync(this.dataDir)).digest('hex');

  private ours(tag: string | undefined): boolean {
    return !!tag && tag.length >= 4 && this.dataDirHash.startsWith(tag);
  }

  private leftovers(): string[] {
    const left: string[] = [];
    const list = (d: string) => {
      try {
        return fs.readdirSync(d);
      } catch {
        return [];
      }
    };
    for (const n of list('/run/netns')) if (this.ours(/^k([0-9a-f]+)-/.exec(n)?.[1])) left.push(`network namespace ${n}`);
    for (const n of list('/sys/class/net')) if (this.ours(/^k[bv]([0-9a-f]+)/.exec(n)?.[1])) left.push(`network link ${n}`);
    for (const root of ['/sys/fs/cgroup', ...list('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h))]) {
      for (const n of list(path.join(root, 'kumo'))) if (this.ours(n)) left.push(`cgroup ${path.join(root, 'kumo', n)}`);
    }
    for (const [cg, p] of this.processes().ees) left.push(`EE processes in ${cg}: ${[...p.runtime, ...p.other].map((x) => x.pid).join(',')}`);
    const stateDir = path.join(this.dataDir, 'sandbox', 'runc-state');
    if (fs.existsSync(stateDir)) for (const id of fs.readdirSync(stateDir)) left.push(`runc container ${id}`);
    return left;
  }
}
