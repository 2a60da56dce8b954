import fs from 'node:fs';
import path from 'node:path';
import type * as CtSdk from '@aws-sdk/client-cloudtrail';
import type * as StoreMod from '../store/sqlite/sqlite-store';
import type * as PgStoreMod from '../store/postgres/postgres-store';
import type { Store } from '../store/types';
import { Keyring } from '../keys/keyring';
import { AuditTrail } from '../audit/audit-trail';
import { auditRetentionDaysFromEnv } from '../audit/limits';
import type { Parsed } from './args';
import { CliError, dataDirFrom, describeError, loadCliConfig } from './client';

/**
 * `kumo audit verify`: walks the audit trail of a data dir (or of the
 * PostgreSQL in KUMO_DATABASE_URL, with the data dir's master key) and checks
 * every link of its chain; exit 0 when intact, 1 naming the first broken
 * event. `kumo history <function>`: the function's configuration history
 * from the server's audit trail (CloudTrail LookupEvents), oldest first,
 * with what each write changed.
 */
export async function auditCommand({ positional, flags }: Parsed): Promise<number> {
  if (positional[0] !== 'verify') throw new CliError('usage: kumo audit verify [--data-dir DIR]');
  const dataDir = dataDirFrom(flags['data-dir']);
  if (!fs.existsSync(path.join(dataDir, 'master.key'))) throw new CliError(`no Kumo data in ${dataDir} (use --data-dir): its master key seals the audit trail`);
  const store = await openStore(dataDir);
  try {
    const keyring = await Keyring.open(dataDir);
    const trail = new AuditTrail(store, keyring.macKey('audit'), auditRetentionDaysFromEnv(process.env));
    const r = await trail.verify();
    if (!r.ok) {
      process.stdout.write(`audit trail BROKEN at event ${r.seq}: ${r.problem}\n`);
      return 1;
    }
    process.stdout.write(`audit trail intact: ${r.events} events${r.firstSeq !== undefined ? ` (${r.firstSeq}–${r.lastSeq})` : ''}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

async function openStore(dataDir: string): Promise<Store> {
  const url = process.env.KUMO_DATABASE_URL;
  if (url) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PostgresStore } = require('../store/postgres/postgres-store') as typeof PgStoreMod;
    return PostgresStore.open(url).catch((e: unknown) => {
      throw new CliError((e as Error).message);
    });
  }
  const dbFile = path.join(dataDir, 'kumo.db');
  if (!fs.existsSync(dbFile)) throw new CliError(`no Kumo data in ${dataDir} (use --data-dir)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SqliteStore, StoreSchemaMismatch } = require('../store/sqlite/sqlite-store') as typeof StoreMod;
  try {
    // Read-only and never migrated: the server may be running on this file.
    return new SqliteStore(dbFile, { readOnly: true });
  } catch (e) {
    if (e instanceof StoreSchemaMismatch) throw new CliError(`cannot read the audit trail in ${dataDir}: ${e.message}`);
    throw e;
  }
}

/** Members of a write that are the call's own bookkeeping, not configuration. */
const notConfig = new Set(['functionName', 'revisionId', 'qualifier']);

export async function historyCommand({ positional, flags }: Parsed): Promise<number> {
  const fn = positional[0];
  if (!fn) throw new CliError('usage: kumo history <function>');
  const cfg = loadCliConfig(flags);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@aws-sdk/client-cloudtrail') as typeof CtSdk;
  const client = new sdk.CloudTrailClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
  const events: CtSdk.Event[] = [];
  try {
    let token: string | undefined;
    do {
      const r = await client.send(new sdk.LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: fn }], NextToken: token }));
      events.push(...(r.Events ?? []));
      token = r.NextToken;
    } while (token);
  } catch (e) {
    throw new CliError(describeError(e, cfg));
  } finally {
    client.destroy();
  }
  const writes = events.filter((e) => e.ReadOnly === 'false').reverse();
  if (!writes.length) {
    process.stdout.write(`no changes of ${fn} in the audit trail\n`);
    return 0;
  }
  const known: Record<string, string> = {};
  for (const e of writes) {
    const rec = JSON.parse(e.CloudTrailEvent ?? '{}') as { eventTime?: string; userIdentity?: { accessKeyId?: string }; sourceIPAddress?: string; errorCode?: string; requestParameters?: Record<string, unknown> };
    const name = (e.EventName ?? '').replace(/\d{8}(v\d)?$/, '');
    const who = `root${rec.userIdentity?.accessKeyId ? ` (${rec.userIdentity.accessKeyId})` : ''} from ${rec.sourceIPAddress ?? '?'}`;
    if (rec.errorCode) {
      process.stdout.write(`${rec.eventTime}  ${name}  by ${who}: failed (${rec.errorCode})\n`);
      continue;
    }
    const changes: string[] = [];
    for (const [k, v] of Object.entries(rec.requestParameters ?? {})) {
      if (notConfig.has(k)) continue;
      const text = JSON.stringify(v);
      if (known[k] !== text) changes.push(known[k] === undefined ? `${k}: ${text}` : `${k}: ${known[k]} → ${text}`);
      known[k] = text;
    }
    process.stdout.write(`${rec.eventTime}  ${name}  by ${who}${changes.length ? `\n    ${changes.join('\n    ')}` : ''}\n`);
  }
  return 0;
}
