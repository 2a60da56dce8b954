import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetParameterCommand, GetParameterHistoryCommand, GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { startServer, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres } from '../postgres';
import { ssmClient } from './ssm-helpers';

/**
 * What PutParameter acknowledged survives a kill -9 of the server (SQLite:
 * the WAL fsync before the answer; PostgreSQL: a synchronous commit), and a
 * SecureString's plaintext is in no file of the data dir (values sealed with
 * the keyring before they reach the store).
 */
async function putKillRestart(start: (dataDir?: string) => Promise<RunningServer>): Promise<RunningServer> {
  let s = await start();
  let ssm = ssmClient(s);
  await ssm.send(new PutParameterCommand({ Name: '/cfg/secret', Value: 'top-secret-value-0', Type: 'SecureString' }));
  // Many writes in flight, each acknowledged only once durable; the kill comes right after the last answer.
  const puts = await Promise.all(Array.from({ length: 20 }, (_, i) => ssm.send(new PutParameterCommand({ Name: `/cfg/p${i}`, Value: `value-${i}`, Type: 'String' }))));
  assert.ok(puts.every((p) => p.Version === 1));
  await ssm.send(new PutParameterCommand({ Name: '/cfg/secret', Value: 'top-secret-value-1', Type: 'SecureString', Overwrite: true }));
  ssm.destroy();
  await s.kill9();
  s = await start(s.dataDir);
  ssm = ssmClient(s);
  try {
    const all: string[] = [];
    let NextToken: string | undefined;
    do {
      const r = await ssm.send(new GetParametersByPathCommand({ Path: '/cfg', NextToken }));
      all.push(...r.Parameters!.map((p) => `${p.Name}=${p.Type === 'SecureString' ? '(sealed)' : p.Value}`));
      NextToken = r.NextToken;
    } while (NextToken);
    assert.equal(all.length, 21, 'every acknowledged parameter');
    for (let i = 0; i < 20; i++) assert.ok(all.includes(`/cfg/p${i}=value-${i}`));
    assert.equal((await ssm.send(new GetParameterCommand({ Name: '/cfg/secret', WithDecryption: true }))).Parameter!.Value, 'top-secret-value-1');
    const h = await ssm.send(new GetParameterHistoryCommand({ Name: '/cfg/secret', WithDecryption: true }));
    assert.deepEqual(h.Parameters!.map((p) => p.Value), ['top-secret-value-0', 'top-secret-value-1']);
  } finally {
    ssm.destroy();
  }
  return s;
}

/** No file of the data dir (database, WAL, logs) holds the plaintext. */
function assertSealed(dir: string, needle: string): void {
  let files = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    assert.ok(!fs.readFileSync(p).includes(needle), `${p} holds plaintext`);
    files++;
  }
  assert.ok(files > 0);
}

describe('SSM durability (SQLite)', () => {
  it('parameters PutParameter acknowledged are read after kill -9 and a restart; SecureString values are sealed at rest', async () => {
    const s = await putKillRestart((dataDir) => startServer({ dataDir }));
    try {
      assertSealed(s.dataDir, 'top-secret-value');
      assert.ok(fs.readdirSync(s.dataDir, { recursive: true }).some((f) => String(f).endsWith('.db')), 'the database is in the data dir');
    } finally {
      await s.stop();
    }
  });
});

describe('SSM on PostgreSQL (KUMO_DATABASE_URL)', () => {
  let pg: ThrowawayPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  it('parameters PutParameter acknowledged survive kill -9 and a restart', async () => {
    const url = await pg.createDatabase('ssm_durable');
    const s = await putKillRestart((dataDir) => startServer({ dataDir, env: { KUMO_DATABASE_URL: url } }));
    await s.stop();
  });
});
