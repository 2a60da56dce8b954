import fs from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../store/sqlite/sqlite-store';

/** Lines printed per read. */
const pageLinesMax = 10_000;
/** Poll interval of --follow. */
const followIntervalMs = 500;

/** Parses "10m", "2h", "30s", "1d" into milliseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/**
 * `kumo logs <function>`: reads the log group `/aws/lambda/<function>` from the
 * local server's data dir (the database is opened alongside the running server;
 * SQLite's WAL lets readers and the writer work at once).
 */
export async function logsCommand(args: string[], flags: Record<string, string | true>): Promise<number> {
  const fn = args[0];
  if (!fn) {
    process.stderr.write('usage: kumo logs <function> [--data-dir ./.kumo] [--since 10m] [--filter text] [--follow]\n');
    return 2;
  }
  const dataDir = path.resolve(typeof flags['data-dir'] === 'string' ? flags['data-dir'] : process.env.KUMO_DATA_DIR ?? './.kumo');
  const dbFile = path.join(dataDir, 'kumo.db');
  if (!fs.existsSync(dbFile)) {
    process.stderr.write(`kumo: no Kumo data in ${dataDir} (use --data-dir)\n`);
    return 1;
  }
  let sinceMs: number | undefined;
  if (typeof flags.since === 'string') {
    const d = parseDuration(flags.since);
    if (d === undefined) {
      process.stderr.write(`kumo: --since wants a duration like 30s, 10m, 2h, 1d\n`);
      return 2;
    }
    sinceMs = Date.now() - d;
  }
  const limit = typeof flags.limit === 'string' ? Math.min(Number(flags.limit) || pageLinesMax, pageLinesMax) : pageLinesMax;
  const filter = typeof flags.filter === 'string' ? flags.filter : undefined;
  const store = new SqliteStore(dbFile);
  const group = fn.startsWith('/') ? fn : `/aws/lambda/${fn}`;
  let afterId: number | undefined;
  const print = async () => {
    const rows = await store.readLogs(group, { sinceMs, afterId, limit, filter });
    for (const r of rows) {
      process.stdout.write(`${new Date(r.timestampMs).toISOString()} ${r.stream} ${r.message}\n`);
      afterId = r.id;
    }
  };
  await print();
  if (flags.follow) {
    await new Promise<void>((resolve) => {
      const t = setInterval(() => void print(), followIntervalMs);
      process.on('SIGINT', () => {
        clearInterval(t);
        resolve();
      });
    });
  }
  await store.close();
  return 0;
}
