import fs from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { parseDuration, UsageError, type Parsed } from './args';
import { CliError, dataDirFrom, lambdaClient, loadCliConfig, type CliConfig } from './client';
import { signRequest } from './sign';
import { resolveFunctionName } from './functions';

export { parseDuration } from './args';

/** Lines printed per read. */
const pageLinesMax = 10_000;
/** Poll interval of --follow. */
const followIntervalMs = 500;

interface LogLine {
  id: number;
  timestampMs: number;
  stream: string;
  message: string;
}

type Reader = (q: { sinceMs?: number; afterId?: number; limit: number; filter?: string }) => Promise<LogLine[]>;

/**
 * `kumo logs <function>`: the log group `/aws/lambda/<function>`. With
 * --data-dir / KUMO_DATA_DIR it reads the local server's database directly
 * (SQLite's WAL lets readers and the writer work at once); otherwise it asks
 * the server at KUMO_ENDPOINT (GET /kumo/logs/{function}, SigV4), falling back
 * to ./.kumo when that server cannot be reached.
 */
export async function logsCommand({ positional, flags }: Parsed): Promise<number> {
  const given = positional[0];
  if (!given) throw new UsageError('which function? kumo logs <function>');
  const fn = resolveFunctionName(given).name;
  let sinceMs: number | undefined;
  if (typeof flags.since === 'string') {
    const d = parseDuration(flags.since);
    if (d === undefined) throw new UsageError('--since wants a duration like 30s, 10m, 2h, 1d');
    sinceMs = Date.now() - d;
  }
  const limit = typeof flags.limit === 'string' ? Math.min(Number(flags.limit) || pageLinesMax, pageLinesMax) : pageLinesMax;
  const filter = typeof flags.filter === 'string' ? flags.filter : undefined;
  const group = fn.startsWith('/') ? fn : `/aws/lambda/${fn}`;

  let read: Reader;
  let close = async () => {};
  const explicitDir = typeof flags['data-dir'] === 'string' || !!process.env.KUMO_DATA_DIR;
  const openLocal = (dataDir: string) => {
    const dbFile = path.join(dataDir, 'kumo.db');
    if (!fs.existsSync(dbFile)) throw new CliError(`no Kumo data in ${dataDir} (use --data-dir)`);
    const store = new SqliteStore(dbFile);
    read = (q) => store.readLogs(group, q);
    close = () => store.close();
  };
  if (explicitDir) openLocal(dataDirFrom(flags['data-dir']));
  else {
    const cfg = loadCliConfig(flags);
    const remote = await remoteReader(cfg, fn);
    try {
      await remote({ limit: 1, sinceMs: Date.now() + 86_400_000 });
      read = remote;
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code;
      const fallback = dataDirFrom(undefined);
      if (code === 'ECONNREFUSED' && cfg.local && fs.existsSync(path.join(fallback, 'kumo.db'))) openLocal(fallback);
      else if (code === 'ECONNREFUSED') throw new CliError(`cannot reach the Kumo server at ${cfg.endpoint} (ECONNREFUSED): start it with \`kumo server\`, set KUMO_ENDPOINT, or read a data dir with --data-dir`);
      else throw e;
    }
  }

  let afterId: number | undefined;
  const print = async () => {
    for (;;) {
      const rows = await read!({ sinceMs, afterId, limit, filter });
      for (const r of rows) {
        process.stdout.write(`${new Date(r.timestampMs).toISOString()} ${r.stream} ${r.message}\n`);
        afterId = r.id;
      }
      if (rows.length < limit || afterId === undefined) return;
    }
  };
  try {
    await print();
    if (flags.follow) {
      await new Promise<void>((resolve, reject) => {
        let busy = false;
        const t = setInterval(() => {
          if (busy) return;
          busy = true;
          print().then(
            () => (busy = false),
            (e) => {
              clearInterval(t);
              reject(e);
            },
          );
        }, followIntervalMs);
        const stop = () => {
          clearInterval(t);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }
  } finally {
    await close();
  }
  return 0;
}

async function remoteReader(cfg: CliConfig, fn: string): Promise<Reader> {
  let creds = cfg.credentials;
  if (!creds) {
    const client = lambdaClient(cfg);
    try {
      creds = await client.config.credentials();
    } finally {
      client.destroy();
    }
  }
  const credentials = creds;
  return async (q) => {
    const { url, headers } = signRequest({
      method: 'GET',
      endpoint: cfg.endpoint,
      segments: ['kumo', 'logs', fn],
      query: {
        sinceMs: q.sinceMs !== undefined ? String(Math.max(0, Math.floor(q.sinceMs))) : undefined,
        afterId: q.afterId !== undefined ? String(q.afterId) : undefined,
        limit: String(q.limit),
        filter: q.filter,
      },
      region: cfg.region,
      credentials,
    });
    const res = await fetch(url, { headers });
    const text = await res.text();
    if (!res.ok) {
      let name = res.headers.get('x-amzn-errortype') ?? `HTTP ${res.status}`;
      let message = text;
      try {
        const j = JSON.parse(text) as { message?: string; Message?: string; __type?: string };
        message = j.message ?? j.Message ?? text;
        name = name.split(':')[0]!;
      } catch {
        // Not JSON: shown as is.
      }
      if (name === 'UnknownOperationException') {
        throw new CliError(`reading logs over the API is not supported by this server yet; read its data dir with --data-dir`);
      }
      throw new CliError(`${name}: ${message}`);
    }
    const j = JSON.parse(text) as { events: { id: number; timestamp: number; stream: string; message: string }[] };
    return j.events.map((e) => ({ id: e.id, timestampMs: e.timestamp, stream: e.stream, message: e.message }));
  };
}
