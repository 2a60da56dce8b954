import fs from 'node:fs';
import path from 'node:path';
import type * as LogsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as StoreMod from '../store/sqlite/sqlite-store';
import type * as PgStoreMod from '../store/postgres/postgres-store';
import type { Store } from '../store/types';
import type * as LogServiceMod from '../logs/log-service';
import { parseDuration, UsageError, type Parsed } from './args';
import { CliError, dataDirFrom, loadCliConfig, logsClient, type CliConfig } from './client';
import { resolveFunctionName } from './functions';

export { parseDuration } from './args';

/** Events asked for per FilterLogEvents call (AWS's maximum). */
const pageEventsMax = 10_000;
/** Poll interval of --follow (`aws logs tail --follow` polls every 5 s; a local server can afford faster). */
const followIntervalMs = 500;

interface Page {
  events: { timestampMs: number; stream: string; message: string; eventId: string }[];
  nextToken?: string;
}
/** One FilterLogEvents call, over the API or on a data dir. */
type Filter = (q: { startMs?: number; pattern?: string; nextToken?: string; limit: number }) => Promise<Page>;

/**
 * `kumo logs <function>`: the log group `/aws/lambda/<function>` (or a group
 * given as `/name`), read with CloudWatch Logs' FilterLogEvents, every page
 * (`--filter` is a filter pattern). By default over the API at KUMO_ENDPOINT
 * with @aws-sdk/client-cloudwatch-logs, like any client; with --data-dir /
 * KUMO_DATA_DIR (or when a local server cannot be reached) the same
 * FilterLogEvents of the domain LogService on that data dir's database (SQLite's
 * WAL lets this reader and the server's writer work at once). `--follow` polls
 * from the newest timestamp seen, skipping the event ids already printed at it,
 * as `aws logs tail --follow` does.
 */
export async function logsCommand({ positional, flags }: Parsed): Promise<number> {
  const given = positional[0];
  if (!given) throw new UsageError('which function? kumo logs <function>');
  const fn = resolveFunctionName(given).name;
  let sinceMs: number | undefined;
  if (typeof flags.since === 'string') {
    const d = parseDuration(flags.since);
    if (d === undefined) throw new UsageError('--since wants a duration like 30s, 10m, 2h, 1d');
    sinceMs = Math.max(0, Date.now() - d);
  }
  const limit = typeof flags.limit === 'string' ? Math.min(Number(flags.limit) || pageEventsMax, pageEventsMax) : pageEventsMax;
  const pattern = typeof flags.filter === 'string' ? flags.filter : undefined;
  const group = fn.startsWith('/') ? fn : `/aws/lambda/${fn}`;

  let filter: Filter;
  let close = async () => {};
  const explicitDir = typeof flags['data-dir'] === 'string' || !!process.env.KUMO_DATA_DIR;
  const openLocal = async (dataDir: string) => {
    const local = await localFilter(dataDir, group);
    filter = local.filter;
    close = local.close;
  };
  if (explicitDir) await openLocal(dataDirFrom(flags['data-dir']));
  else {
    const cfg = loadCliConfig(flags);
    const remote = remoteFilter(cfg, group);
    try {
      await remote.filter({ startMs: Date.now() + 86_400_000, limit: 1 });
      filter = remote.filter;
      close = remote.close;
    } catch (e) {
      remote.close();
      const code = (e as { code?: string; cause?: { code?: string } }).code ?? (e as { cause?: { code?: string } }).cause?.code;
      const fallback = dataDirFrom(undefined);
      if (code === 'ECONNREFUSED' && cfg.local && fs.existsSync(path.join(fallback, 'kumo.db'))) await openLocal(fallback);
      else if (code === 'ECONNREFUSED') throw new CliError(`cannot reach the Kumo server at ${cfg.endpoint} (ECONNREFUSED): start it with \`kumo server\`, set KUMO_ENDPOINT, or read a data dir with --data-dir`);
      else throw e;
    }
  }

  // Where the next read starts: the newest timestamp printed, and the events printed at it.
  let startMs = sinceMs;
  let printedAtStart = new Set<string>();
  const print = async () => {
    let nextToken: string | undefined;
    do {
      const page = await filter!({ startMs, pattern, nextToken, limit });
      for (const e of page.events) {
        if (e.timestampMs === startMs && printedAtStart.has(e.eventId)) continue;
        process.stdout.write(`${new Date(e.timestampMs).toISOString()} ${e.stream} ${e.message}\n`);
        if (startMs === undefined || e.timestampMs > startMs) (startMs = e.timestampMs), (printedAtStart = new Set());
        printedAtStart.add(e.eventId);
      }
      nextToken = page.nextToken;
    } while (nextToken);
  };
  try {
    await print();
    if (flags.follow) await follow(print);
  } finally {
    await close();
  }
  return 0;
}

/** Runs `print` every `followIntervalMs` until SIGINT/SIGTERM (never two at once). */
function follow(print: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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

function remoteFilter(cfg: CliConfig, group: string): { filter: Filter; close: () => Promise<void> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@aws-sdk/client-cloudwatch-logs') as typeof LogsSdk;
  const client = logsClient(cfg);
  return {
    filter: async (q) => {
      try {
        const r = await client.send(
          new sdk.FilterLogEventsCommand({ logGroupName: group, startTime: q.startMs, filterPattern: q.pattern, nextToken: q.nextToken, limit: q.limit }),
        );
        return {
          events: (r.events ?? []).map((e) => ({ timestampMs: e.timestamp ?? 0, stream: e.logStreamName ?? '', message: e.message ?? '', eventId: e.eventId ?? '' })),
          nextToken: r.nextToken,
        };
      } catch (e) {
        const name = (e as { name?: string }).name;
        // A function that never logged has no group yet: nothing to print (the follow loop waits for it).
        if (name === 'ResourceNotFoundException') return { events: [] };
        if (name === 'UnknownOperationException') throw new CliError('reading logs over the API is not supported by this server yet; read its data dir with --data-dir');
        throw e;
      }
    },
    close: async () => client.destroy(),
  };
}

/** FilterLogEvents of the domain LogService on a data dir's database (the store is loaded only here). */
async function localFilter(dataDir: string, group: string): Promise<{ filter: Filter; close: () => Promise<void> }> {
  const dbFile = path.join(dataDir, 'kumo.db');
  // A server with KUMO_DATABASE_URL keeps its logs in that PostgreSQL, not in the data dir: so does this reader.
  const url = process.env.KUMO_DATABASE_URL;
  let store: Store;
  if (url) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PostgresStore } = require('../store/postgres/postgres-store') as typeof PgStoreMod;
    store = await PostgresStore.open(url).catch((e: unknown) => {
      throw new CliError((e as Error).message);
    });
  } else {
    if (!fs.existsSync(dbFile) || !fs.existsSync(path.join(dataDir, 'kumo-logs.db'))) throw new CliError(`no Kumo data in ${dataDir} (use --data-dir)`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SqliteStore, StoreSchemaMismatch } = require('../store/sqlite/sqlite-store') as typeof StoreMod;
    // Read-only and never migrated: the server may be running on this file (its schema is its to change).
    try {
      store = new SqliteStore(dbFile, { readOnly: true });
    } catch (e) {
      if (e instanceof StoreSchemaMismatch) throw new CliError(`cannot read the logs in ${dataDir}: ${e.message}`);
      throw e;
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LogService, LogsError } = require('../logs/log-service') as typeof LogServiceMod;
  // Region and account only shape ARNs, which this reader does not print.
  const logs = new LogService(store, { region: 'local', accountId: '000000000000' });
  return {
    filter: async (q) => {
      try {
        const r = await logs.filterEvents(group, { startMs: q.startMs, pattern: q.pattern, nextToken: q.nextToken, limit: q.limit });
        return { events: r.events.map((e) => ({ timestampMs: e.timestampMs, stream: e.stream, message: e.message, eventId: e.eventId })), nextToken: r.nextToken };
      } catch (e) {
        if (e instanceof LogsError && e.kind === 'GroupNotFound') return { events: [] };
        if (e instanceof LogsError) throw new CliError(`InvalidParameterException: ${e.message}`);
        throw e;
      }
    },
    close: () => store.close(),
  };
}
