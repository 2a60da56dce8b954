import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KumoConfig } from '../config';
import type { Placement } from '../placement/placement';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { FunctionService } from '../control/functions';
import { InvokeService } from './service';
import { fn, version } from '../../test/store-contract-records';

/**
 * InvokeService's version cache on a real SQLite store: `resolve` only, so
 * placement (told to retire EEs on a change) records the calls and nothing
 * else is used.
 */
test('a load that raced a change does not cache the record from before it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-invoke-cache-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const cfg = { region: 'eu-west-1', accountId: '123456789012' } as KumoConfig;
  const functions = new FunctionService(store, undefined as never, undefined as never, undefined as never, undefined as never, cfg);
  const retired: string[] = [];
  const placement = { retire: (name: string) => void retired.push(name) } as unknown as Placement;
  const invoke = new InvokeService(store, functions, placement, undefined as never);
  await store.createFunction(fn('f'));

  // The load reads $LATEST; before its answer is handled, the update commits and is announced. SQLite
  // answers in call order, so this order only arises with an asynchronous store (a PostgreSQL pool),
  // where a read's reply can arrive after a later write's: the test makes that order by hand.
  const racing = invoke.resolve('f', undefined);
  const next = version('f', '$LATEST', { revisionId: 'r1', codeSize: 1 });
  const committed = store.updateLatest(next, 'rev-f-$LATEST-0');
  functions.changed('f', next);
  assert.equal(await committed, true);
  assert.equal((await racing).rec.revisionId, 'rev-f-$LATEST-0', 'the racing load saw the old record');

  assert.equal((await invoke.resolve('f', undefined)).rec.revisionId, 'r1', 'the next request sees the change');
  assert.deepEqual(retired, ['f']);
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
