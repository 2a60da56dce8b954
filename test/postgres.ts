import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { tool } from './tools';

/** How long pg_ctl waits for the server to start or stop (its -t, seconds). */
const pgCtlWaitSeconds = 60;

/**
 * A throwaway PostgreSQL for tests: Debian's `postgresql` binaries (found
 * through scripts/tools.manifest), a cluster initdb'd into a temporary
 * directory, listening on 127.0.0.1 on a free port with its socket in that
 * directory, fsync on (durability is under test). PostgreSQL refuses to run
 * as root, so as root the cluster belongs to the `postgres` user the package
 * creates. `stop()` kills it (pg_ctl stop -m immediate) and removes the
 * directory; an exit hook does the same if a test forgot, so no server is
 * left behind.
 */
export interface ThrowawayPostgres {
  /** postgres://… of the `postgres` database (superuser `kumo`, trust auth on loopback). */
  url: string;
  port: number;
  dir: string;
  /** A new empty database; its URL. */
  createDatabase(name: string): Promise<string>;
  /** pg_ctl restart -m fast (without blocking the event loop: calls stay in flight): every connection is cut; resolves once it accepts connections again. */
  restart(): Promise<void>;
  stop(): void;
}

const running = new Set<ThrowawayPostgres>();
let exitHook = false;

/**
 * `settings`: more server settings (`-c name=value`), e.g. the benchmark's
 * `shared_preload_libraries=pg_stat_statements` to count statements.
 */
export async function startPostgres(opts: { settings?: Record<string, string> } = {}): Promise<ThrowawayPostgres> {
  const initdb = tool('initdb');
  const pgCtl = tool('pg_ctl');
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const run = (file: string, args: string[]) =>
    asRoot
      ? execFileSync(tool('runuser'), ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe', cwd: dir })
      : execFileSync(file, args, { stdio: 'pipe', cwd: dir });
  if (asRoot) execFileSync('/bin/chown', ['postgres:postgres', dir]);
  const port = await freePort();
  const pgCtlArgs = (cmd: string, extra: string[] = []) => [cmd, '-D', data, '-w', '-t', String(pgCtlWaitSeconds), ...extra];
  const extra = Object.entries(opts.settings ?? {}).map(([k, v]) => ` -c ${k}=${v}`).join('');
  const serverOpts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=on -c max_connections=100${extra}`;
  let started = false;
  const self: ThrowawayPostgres = {
    url: `postgres://kumo@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: self.url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://kumo@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      const args = pgCtlArgs('restart', ['-m', 'fast', '-l', log, '-o', serverOpts]);
      if (asRoot) await execFileAsync(tool('runuser'), ['-u', 'postgres', '--', pgCtl, ...args], { cwd: dir });
      else await execFileAsync(pgCtl, args, { cwd: dir });
    },
    stop() {
      running.delete(self);
      if (started) {
        try {
          run(pgCtl, pgCtlArgs('stop', ['-m', 'immediate']));
        } catch {
          // Not running (any more): nothing to stop.
        }
        started = false;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(self);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of [...running]) p.stop();
    });
  }
  try {
    // initdb's own --no-sync only skips syncing the fresh cluster files (thrown away anyway); the server runs with fsync on.
    run(initdb, ['-D', data, '-U', 'kumo', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    started = true;
    run(pgCtl, pgCtlArgs('start', ['-l', log, '-o', serverOpts]));
  } catch (e) {
    const out = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    self.stop();
    throw new Error(`throwaway PostgreSQL did not start: ${(e as Error).message}\n${out}`);
  }
  return self;
}

const execFileAsync = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
