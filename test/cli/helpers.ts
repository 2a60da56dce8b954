import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { projectRoot, startServer, testCreds, type RunningServer } from '../integration/harness';

export const kumoBin = path.join(projectRoot, 'bin', 'kumo');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment for the CLI, as a user's shell would have after pasting what `kumo server` printed. */
export function userEnv(s: RunningServer | undefined, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-cli-home-'));
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
    ...(s ? { KUMO_ENDPOINT: s.endpoint, AWS_ACCESS_KEY_ID: testCreds.accessKeyId, AWS_SECRET_ACCESS_KEY: testCreds.secretAccessKey } : {}),
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Runs `bin/kumo args…` as a user would; resolves when it exits. */
export function kumo(args: string[], opts: { env: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(kumoBin, args, { env: opts.env, cwd: opts.cwd ?? process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`kumo ${args.join(' ')} did not finish in time\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(opts.input ?? '');
  });
}

/** Fails with the command's output when it did not exit 0. */
export async function ok(args: string[], opts: Parameters<typeof kumo>[1]): Promise<RunResult> {
  const r = await kumo(args, opts);
  if (r.code !== 0) throw new Error(`kumo ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kumo-cli-${prefix}-`));
}

/** Writes files (path → content) under dir; '#!' files get mode 0755. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
  }
}

/** No stack trace in what the user sees. */
export function noStackTrace(text: string): boolean {
  return !/\n\s+at .+\(.+:\d+:\d+\)/.test(text) && !/\n\s+at [\w.<>]+ \(node:/.test(text);
}

/**
 * Starts the real server for the enclosing suite (before/after hooks) and
 * hands the suite the server and a user's CLI environment for it.
 */
export function withServer(use: (s: RunningServer, env: Record<string, string>) => void): void {
  let server: RunningServer | undefined;
  before(async () => {
    server = await startServer();
    use(server, userEnv(server));
  });
  after(async () => {
    await server?.stop();
  });
}
