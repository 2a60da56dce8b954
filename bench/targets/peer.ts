/**
 * The peer: serverless-offline (serverless@3 + serverless-offline@13), installed
 * with npm into a temp dir for this run only (never a dependency of the
 * project), invoked through its Lambda Invoke endpoint (--lambdaPort).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { descendants, measuredEnv, removeTempDir, start, tempDir } from '../lib/procs';
import type { WarmTarget } from './types';

export const peerPackages = ['serverless@3', 'serverless-offline@13'];

export interface PeerInstall {
  dir: string;
  versions: Record<string, string>;
  installMs: number;
}

/** npm install into a fresh temp dir (npm keeps the caller's environment: it may need the shell's CA settings to reach the registry). */
export async function installPeer(log: (s: string) => void): Promise<PeerInstall> {
  const t0 = performance.now();
  const dir = await npmInstall('peer', peerPackages, log);
  const versions: Record<string, string> = {};
  for (const p of ['serverless', 'serverless-offline']) {
    versions[p] = (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
  }
  fs.writeFileSync(
    path.join(dir, 'serverless.yml'),
    [
      'service: bench',
      "frameworkVersion: '3'",
      'provider:',
      '  name: aws',
      '  runtime: nodejs20.x',
      '  stage: dev',
      '  region: us-east-1',
      'functions:',
      '  noop:',
      '    handler: handler.handler',
      'plugins:',
      '  - serverless-offline',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'handler.js'), 'exports.handler = async () => ({ ok: true });\n');
  return { dir, versions, installMs: performance.now() - t0 };
}

/**
 * `npm install PACKAGES` into a fresh temp dir of the harness (removed after the
 * run; never a dependency of the project). npm keeps the caller's environment:
 * it may need the shell's CA settings to reach the registry.
 */
export async function npmInstall(label: string, packages: string[], log: (s: string) => void): Promise<string> {
  const dir = tempDir(label);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `kumo-bench-${label}`, private: true }));
  log(`installing ${packages.join(' ')} into ${dir} (npm)…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(npm, ['install', '--no-audit', '--no-fund', '--no-save', '--prefer-offline', '--loglevel=error', ...packages], {
      cwd: dir,
      env: { ...process.env, npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let o = '';
    p.stdout.on('data', (c: Buffer) => (o += c.toString()));
    p.stderr.on('data', (c: Buffer) => (o += c.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 300_000);
    p.on('error', (e) => {
      clearTimeout(t);
      resolve({ code: -1, out: String(e) });
    });
    p.on('close', (c) => {
      clearTimeout(t);
      resolve({ code: c, out: o });
    });
  });
  if (code !== 0) {
    removeTempDir(dir);
    throw new Error(`npm install ${packages.join(' ')} failed (exit ${code}): ${out.trim().slice(-800)}`);
  }
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPeer(install: PeerInstall, mode: 'worker' | 'inprocess'): Promise<WarmTarget> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const args = [
    path.join(install.dir, 'node_modules', 'serverless', 'bin', 'serverless.js'),
    'offline', 'start',
    '--host', '127.0.0.1',
    '--httpPort', String(httpPort),
    '--lambdaPort', String(lambdaPort),
    '--noPrependStageInUrl',
  ];
  if (mode === 'inprocess') args.push('--useInProcess');
  const p = start(process.execPath, args, {
    cwd: install.dir,
    env: measuredEnv({
      HOME: install.dir,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      SLS_DEPRECATION_DISABLE: '*',
      SLS_INTERACTIVE_SETUP_DISABLE: '1',
    }),
  });
  await p.waitFor(new RegExp(`\\[http for lambda\\] listening on http://127\\.0\\.0\\.1:${lambdaPort}`), 60_000);
  return {
    key: mode === 'worker' ? 'sls-worker' : 'sls-inprocess',
    label: `serverless-offline ${install.versions['serverless-offline']} (${mode === 'worker' ? 'worker threads' : 'in-process'})`,
    group: 'peer',
    endpoint: { host: '127.0.0.1', port: lambdaPort, functionName: 'bench-dev-noop' },
    runtimeProcesses: () => (mode === 'worker' ? undefined : 0),
    // Worker threads live in the server process: its CPU is counted whole as the server side.
    pids: () => ({ server: [p.pid, ...descendants(p.pid).map((d) => d.pid)], runtime: [] }),
    // serverless-offline stops on Ctrl-C.
    stop: () => p.stop('SIGINT', 5000),
  };
}
