import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { TagService } from './tags';
import { fn } from '../../test/store-contract-records';
import { DomainError } from '../domain/errors';

/** TagService on a real SQLite store in a temp dir (no HTTP). */
async function open() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-tags-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  await store.createFunction(fn('f'));
  const tags = new TagService(store, { ctxRegion: 'eu-west-1', ctxAccount: '123456789012' });
  const close = async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { tags, close };
}
const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:f';

test('two TagResource calls at once both keep their tags (no read-then-write in the service)', async () => {
  const { tags, close } = await open();
  await Promise.all([tags.tag(arn, { Tags: { a: '1' } }), tags.tag(arn, { Tags: { b: '2' } }), tags.untag(arn, ['none'])]);
  assert.deepEqual(await tags.list(arn), { a: '1', b: '2' });
  await Promise.all([tags.untag(arn, ['a']), tags.tag(arn, { Tags: { c: '3' } })]);
  assert.deepEqual(await tags.list(arn), { b: '2', c: '3' });
  await close();
});

test('two TagResource calls at once cannot pass the 50-tag limit together', async () => {
  const { tags, close } = await open();
  const many = (p: string) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${p}${i}`, 'v']));
  const r = await Promise.allSettled([tags.tag(arn, { Tags: many('x') }), tags.tag(arn, { Tags: many('y') })]);
  assert.deepEqual(r.map((x) => x.status).sort(), ['fulfilled', 'rejected']);
  const err = (r.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason as DomainError;
  assert.equal(err.message, 'Number of tags exceeds resource tag limit of 50.');
  assert.equal(Object.keys(await tags.list(arn)).length, 30);
  await close();
});
