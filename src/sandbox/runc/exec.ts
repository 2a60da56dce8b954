import { spawn, spawnSync } from 'node:child_process';
import { commandOutputBytesMax, commandTimeoutMs } from './limits';

/**
 * Runs the privileged host tools (runc, ip, iptables) the driver needs. Each
 * call is one process; callers batch work through stdin (`ip -batch -`,
 * `iptables-restore`) to keep the number of spawns per operation small.
 */

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    const why = result.signal ? `signal ${result.signal}` : `exit status ${result.code}`;
    super(`${command} failed (${why}): ${(result.stderr || result.stdout).trim().slice(0, 2000)}`);
  }
}

/** Host tools get a fixed PATH and nothing else of Kumo's environment. */
const toolEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };

export interface RunOptions {
  input?: string;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
  const label = `${cmd} ${args.slice(0, 4).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: toolEnv });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (c: Buffer) => {
      if (outBytes < commandOutputBytesMax) out.push(c);
      outBytes += c.length;
    });
    child.stderr.on('data', (c: Buffer) => {
      if (errBytes < commandOutputBytesMax) err.push(c);
      errBytes += c.length;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? commandTimeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (code !== 0 && !opts.allowFailure) reject(new CommandError(label, result));
      else resolve(result);
    });
    child.stdin.on('error', () => {}); // the tool may exit before reading all input; 'close' reports why
    child.stdin.end(opts.input ?? '');
  });
}

/** Synchronous variant, only for the rare calls whose caller cannot wait (setRuntimeApiPort). */
export function runSync(cmd: string, args: string[], opts: RunOptions = {}): CommandResult {
  const r = spawnSync(cmd, args, {
    input: opts.input ?? '',
    env: toolEnv,
    timeout: opts.timeoutMs ?? commandTimeoutMs,
    maxBuffer: commandOutputBytesMax,
  });
  if (r.error) throw r.error;
  const result = { code: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
  if (r.status !== 0 && !opts.allowFailure) throw new CommandError(`${cmd} ${args.slice(0, 4).join(' ')}`, result);
  return result;
}
