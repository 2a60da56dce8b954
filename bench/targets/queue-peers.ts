/**
 * The queue phase's peers, what a user would run instead of Kumo's SQS:
 * sqslite (npm, an in-memory SQS emulator; query protocol only), installed
 * with npm into a temp dir for this run only as serverless-offline is, and
 * moto's server (`moto_server`, where the machine's Python has moto). Each
 * listens on a free loopback port and is stopped by its PID.
 */
import fs from 'node:fs';
import path from 'node:path';
import { measuredEnv, runSync, start, type Tracked } from '../lib/procs';
import type { SqsEndpoint, SqsProtocol } from '../lib/sqs';
import { freePort, npmInstall } from './peer';

export const sqslitePackage = 'sqslite@2.1.1';

/** A server the queue phase sends SQS requests to. */
export interface QueueTarget {
  key: string;
  label: string;
  protocol: SqsProtocol;
  endpoint: SqsEndpoint;
  /**
   * Set when the target's DeleteMessageBatch cannot be used (why): receive+delete
   * then deletes with one DeleteMessage per distinct receipt handle a receive returned.
   */
  noDeleteBatch?: string;
  stop(): Promise<void>;
}

export interface SqsliteInstall {
  dir: string;
  version: string;
  installMs: number;
}

export async function installSqslite(log: (s: string) => void): Promise<SqsliteInstall> {
  const t0 = performance.now();
  const dir = await npmInstall('sqslite', [sqslitePackage], log);
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'sqslite', 'package.json'), 'utf8')) as { version: string }).version;
  return { dir, version, installMs: performance.now() - t0 };
}

function stopper(p: Tracked): () => Promise<void> {
  return () => p.stop('SIGTERM', 5000);
}

/** sqslite's own CLI (bin/cli.js) as a user starts it: its default Fastify request logging stays on. */
export async function startSqslite(install: SqsliteInstall): Promise<QueueTarget> {
  const port = await freePort();
  const p = start(process.execPath, [path.join(install.dir, 'node_modules', 'sqslite', 'bin', 'cli.js'), '--host', '127.0.0.1', '--port', String(port)], {
    cwd: install.dir,
    env: measuredEnv({ HOME: install.dir }),
  });
  await p.waitFor(new RegExp(`listening (?:at|on) http://127\\.0\\.0\\.1:${port}`), 30_000);
  return {
    key: 'sqslite',
    label: `sqslite ${install.version}`,
    protocol: 'query',
    noDeleteBatch:
      'sqslite 2.1.1\'s DeleteMessageBatch keeps the messages it names and deletes every other message of the queue (lib/sqs.js filters with `has` instead of `!has`); ' +
      'its ReceiveMessage gives all the messages of one receive the same receipt handle, and its DeleteMessage deletes every message holding that handle, so one DeleteMessage per receive deletes what it received',
    // sqslite's queue URLs are `http://localhost:<port>/queues/<name>`, built from the Host header; it accepts no other.
    endpoint: { host: '127.0.0.1', port, hostHeader: `localhost:${port}`, protocol: 'query' },
    stop: stopper(p),
  };
}

/** `moto_server` on the caller's PATH (the measured environment's PATH is minimal), or undefined. */
export function findMotoServer(): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!d) continue;
    const f = path.join(d, 'moto_server');
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** moto's version, from the python3 on the caller's PATH (the one a pyenv shim of moto_server runs), when it has moto. */
function motoVersion(): string | undefined {
  const r = runSync('python3', ['-c', 'import moto; print(moto.__version__)'], { env: { ...measuredEnv(), PATH: process.env.PATH ?? '' }, timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** moto_server (werkzeug, threaded), all services in one process; it routes SQS by the credential scope of Authorization. */
export async function startMoto(bin: string): Promise<QueueTarget> {
  const port = await freePort();
  const version = motoVersion();
  // A pyenv shim needs its own directory on PATH to find pyenv's exec; the server itself gets nothing else of the caller's environment.
  const p = start(bin, ['-H', '127.0.0.1', '-p', String(port)], { env: measuredEnv({ PATH: `${path.dirname(bin)}:${measuredEnv().PATH}` }) });
  await p.waitFor(new RegExp(`Running on http://127\\.0\\.0\\.1:${port}`), 60_000);
  return {
    key: 'moto',
    label: `moto_server${version ? ` (moto ${version})` : ''}`,
    protocol: 'json',
    endpoint: {
      host: '127.0.0.1', port, hostHeader: `127.0.0.1:${port}`, protocol: 'json',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
    },
    stop: stopper(p),
  };
}
