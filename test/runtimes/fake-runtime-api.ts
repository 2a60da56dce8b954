/**
 * Test harness for the language runtimes in `runtimes/`: a minimal Runtime API
 * (2018-06-01) server on 127.0.0.1:0 that hands out queued events and records
 * what the runtime posts back, plus a launcher that starts a real bootstrap
 * process with exactly the environment Kumo gives an execution environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tool } from '../tools';
import { runtimeSpec, supportedRuntimes, type RuntimeSpec } from '../../src/runtimes/registry';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface InvokeOptions {
  requestId?: string;
  deadlineMs?: number;
  invokedFunctionArn?: string;
  traceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
}

export interface Posted {
  kind: 'response' | 'error';
  requestId: string;
  /** Raw body as posted. */
  body: string;
  /** Lambda-Runtime-Function-Error-Type, for errors. */
  errorType: string | undefined;
  headers: http.IncomingHttpHeaders;
  /** HTTP trailers of a chunked POST (a streamed response's mid-stream error). */
  trailers: NodeJS.Dict<string>;
  /** Milliseconds between handing out the event and receiving the result. */
  elapsedMs: number;
}

export interface InitError {
  errorType: string | undefined;
  body: string;
}

interface Queued {
  payload: Buffer;
  headers: http.OutgoingHttpHeaders;
  requestId: string;
}

let requestCounter = 0;

export class FakeRuntimeApi {
  private readonly server: http.Server;
  private readonly queue: Queued[] = [];
  private readonly parked: http.ServerResponse[] = [];
  private readonly waiters = new Map<string, { resolve: (p: Posted) => void; sentAt: number }>();
  private initErrorResolve!: (e: InitError) => void;
  /** Resolves when the runtime posts /runtime/init/error. */
  readonly initError: Promise<InitError>;
  /** TCP connections the runtime opened (keep-alive reuse keeps this at 1). */
  connections = 0;
  nextCalls = 0;
  port = 0;

  constructor() {
    this.initError = new Promise((r) => (this.initErrorResolve = r));
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.on('connection', () => this.connections++);
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Queues one event; resolves with what the runtime posts for it. */
  invoke(event: unknown, opts: InvokeOptions = {}, rawPayload?: string): Promise<Posted> {
    const requestId = opts.requestId ?? `req-${++requestCounter}-${process.pid}`;
    const payload = Buffer.from(rawPayload ?? JSON.stringify(event));
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': payload.length,
      'lambda-runtime-aws-request-id': requestId,
      'lambda-runtime-deadline-ms': String(opts.deadlineMs ?? Date.now() + 30_000),
      'lambda-runtime-invoked-function-arn': opts.invokedFunctionArn ?? 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      'lambda-runtime-trace-id': opts.traceId ?? 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0',
    };
    if (opts.clientContext !== undefined) headers['lambda-runtime-client-context'] = opts.clientContext;
    if (opts.cognitoIdentity !== undefined) headers['lambda-runtime-cognito-identity'] = opts.cognitoIdentity;
    const done = new Promise<Posted>((resolve) => this.waiters.set(requestId, { resolve, sentAt: 0 }));
    this.queue.push({ payload, headers, requestId });
    this.pump();
    return done;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.parked.length > 0) {
      const q = this.queue.shift()!;
      const res = this.parked.shift()!;
      this.waiters.get(q.requestId)!.sentAt = Date.now();
      res.writeHead(200, q.headers);
      res.end(q.payload);
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const errorType = req.headers['lambda-runtime-function-error-type'] as string | undefined;
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        this.nextCalls++;
        this.parked.push(res);
        this.pump();
        return;
      }
      if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        this.initErrorResolve({ errorType, body });
        return accepted(res);
      }
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && m) {
        const requestId = decodeURIComponent(m[1]!);
        const w = this.waiters.get(requestId);
        if (!w) {
          res.writeHead(400).end('{"errorType":"InvalidRequestID"}');
          return;
        }
        this.waiters.delete(requestId);
        w.resolve({
          kind: m[2] as 'response' | 'error',
          requestId,
          body,
          errorType,
          headers: req.headers,
          trailers: req.trailers,
          elapsedMs: Date.now() - w.sentAt,
        });
        return accepted(res);
      }
      res.writeHead(404).end();
    });
  }
}

function accepted(res: http.ServerResponse): void {
  res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
}

export type Lang = 'nodejs' | 'python' | 'java' | 'ruby';

export interface RuntimeProcess {
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Writes `files` (path → content) under a fresh temp dir standing in for /var/task. */
export function makeTaskRoot(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-rt-'));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

/** The environment Kumo gives an EE (and nothing from the host), pointed at `taskRoot`. */
export function lambdaEnv(lang: Lang, api: FakeRuntimeApi, taskRoot: string, handler: string): Record<string, string> {
  const env: Record<string, string> = {
    AWS_LAMBDA_RUNTIME_API: api.address,
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    AWS_LAMBDA_FUNCTION_NAME: 'fn',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
    AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: specOf(lang).executionEnv!,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
  };
  return { ...env, ...specOf(lang).env };
}

/** The registry's runtime of a family (what an EE of that runtime gets). */
function specOf(lang: Lang): RuntimeSpec {
  const spec = supportedRuntimes.map((n) => runtimeSpec(n)!).find((s) => s.family === lang);
  if (!spec) throw new Error(`no ${lang} runtime in the registry`);
  return spec;
}

/** Starts `runtimes/<lang>/bootstrap.*` as Kumo would, with cwd = the task root. */
export function startRuntime(
  lang: Lang,
  api: FakeRuntimeApi,
  taskRoot: string,
  handler: string,
  extraEnv: Record<string, string> = {},
): RuntimeProcess {
  // The registry's command line, with the EE's paths mapped to the host: the interpreter
  // where the set-up installs it, /var/runtime → this repository's runtimes/.
  const [interpreter, bootstrap] = specOf(lang).command!;
  const argv = [
    interpreter === '/usr/bin/node' ? process.execPath : tool(path.basename(interpreter!)),
    path.join(repoRoot, 'runtimes', path.relative('/var/runtime', bootstrap!)),
  ];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: taskRoot,
    env: { ...lambdaEnv(lang, api, taskRoot, handler), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls until `predicate` holds (stdout arrives on its own pipe, independently of the HTTP posts). */
export async function eventually(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
