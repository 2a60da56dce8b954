import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KumoConfig } from '../config';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { FunctionService } from './functions';
import { VersionService } from './versions';
import { AliasService } from './aliases';
import { fn } from '../../test/store-contract-records';

/**
 * Control operations started together on a real SQLite store (no HTTP): each
 * decision that depends on stored state is taken inside the store's
 * transaction, so no interleaving of two requests breaks an invariant. The
 * paths used here (versions, aliases) never touch code blobs, keys or layers,
 * which FunctionService is therefore given none of.
 */
async function open() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-control-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const cfg = { region: 'eu-west-1', accountId: '123456789012' } as KumoConfig;
  const functions = new FunctionService(store, undefined as never, undefined as never, undefined as never, undefined as never, cfg);
  const versions = new VersionService(store, functions);
  const aliases = new AliasService(store, functions);
  await store.createFunction(fn('f'));
  const close = async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { store, functions, versions, aliases, close };
}

test('two PublishVersion calls at once on an unchanged $LATEST publish one version, and both answer it', async () => {
  const { store, versions, close } = await open();
  const [a, b] = await Promise.all([versions.publish('f', {}), versions.publish('f', {})]);
  assert.deepEqual((await store.listVersions('f', 0, 10)).map((v) => v.version), ['1']);
  assert.deepEqual([a.version, b.version], ['1', '1']);
  await close();
});

test('CreateAlias and DeleteFunction(Qualifier) at once never leave an alias routing to a deleted version', async () => {
  const { store, functions, versions, aliases, close } = await open();
  await versions.publish('f', {});
  const [created, deleted] = await Promise.allSettled([aliases.create('f', { Name: 'live', FunctionVersion: '1' }), functions.delete('f', '1')]);
  const alias = await store.getAlias('f', 'live');
  const version = await store.getVersion('f', '1');
  assert.ok(!alias || version, `alias ${JSON.stringify(alias)} routes to a version that is gone`);
  // Exactly one of them happened, and the other was refused with AWS's error.
  if (alias) {
    assert.equal(deleted.status, 'rejected');
    assert.match(String((deleted as PromiseRejectedResult).reason), /aliases reference it: \[live\]/);
  } else {
    assert.equal(created.status, 'rejected');
    assert.match(String((created as PromiseRejectedResult).reason), /Function not found: arn:aws:lambda:eu-west-1:123456789012:function:f:1/);
  }
  await close();
});
