import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Keyring, SealedDataError } from '../keys/keyring';
import { BlobNotFoundError, FsBlobStore, InvalidBlobKeyError, blobKeyOf } from './blob-store';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'kumo-blobs-'));
  t.after(() => fsp.rm(root, { recursive: true, force: true }));
  const keyring = await Keyring.open(path.join(root, 'keys'));
  const dir = path.join(root, 'blobs');
  return { root, dir, keyring, store: new FsBlobStore(dir, keyring) };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('put returns the hex SHA-256 of the plaintext and get returns the bytes', async (t) => {
  const { store, dir } = await setup(t);
  const data = Buffer.from('PK\x03\x04 pretend this is a zip');
  const key = await store.put(data);
  assert.equal(key, sha(data));
  assert.equal(key, blobKeyOf(data));
  assert.deepEqual(await store.get(key), data);
  assert.equal(await store.has(key), true);
  const file = path.join(dir, key.slice(0, 2), key);
  assert.equal((await fsp.stat(file)).mode & 0o777, 0o600);
  const empty = await store.put(Buffer.alloc(0));
  assert.deepEqual(await store.get(empty), Buffer.alloc(0));
});

test('plaintext never appears in the stored file', async (t) => {
  const { store, dir } = await setup(t);
  const marker = Buffer.from('SUPER-SECRET-MARKER-0123456789');
  const data = Buffer.concat([marker, Buffer.alloc(1000, 0x41), marker]);
  const key = await store.put(data);
  const stored = await fsp.readFile(path.join(dir, key.slice(0, 2), key));
  assert.equal(stored.indexOf(marker), -1);
  assert.equal(stored.indexOf(Buffer.alloc(64, 0x41)), -1);
  // Nothing else (temp files) left in the shard directory.
  assert.deepEqual(await fsp.readdir(path.join(dir, key.slice(0, 2))), [key]);
});

test('a stored file copied under another key fails to decrypt', async (t) => {
  const { store, dir } = await setup(t);
  const a = await store.put(Buffer.from('blob A'));
  const b = await store.put(Buffer.from('blob B'));
  const fileA = path.join(dir, a.slice(0, 2), a);
  const fileB = path.join(dir, b.slice(0, 2), b);
  await fsp.copyFile(fileA, fileB);
  await assert.rejects(store.get(b), SealedDataError);
  assert.deepEqual(await store.get(a), Buffer.from('blob A'));
});

test('put is idempotent and does not rewrite an existing blob', async (t) => {
  const { store, dir } = await setup(t);
  const data = Buffer.from('same bytes');
  const k1 = await store.put(data);
  const file = path.join(dir, k1.slice(0, 2), k1);
  const before = await fsp.readFile(file);
  const k2 = await store.put(Buffer.from('same bytes'));
  assert.equal(k1, k2);
  assert.deepEqual(await fsp.readFile(file), before);
  assert.deepEqual(await store.list(), [k1]);
  // Concurrent puts of the same content converge too.
  const keys = await Promise.all(Array.from({ length: 5 }, () => store.put(Buffer.from('racy'))));
  assert.equal(new Set(keys).size, 1);
  assert.deepEqual(await store.get(keys[0]), Buffer.from('racy'));
});

test('delete removes a blob and is idempotent; get then throws BlobNotFoundError', async (t) => {
  const { store } = await setup(t);
  const key = await store.put(Buffer.from('to delete'));
  await store.delete(key);
  assert.equal(await store.has(key), false);
  await assert.rejects(store.get(key), BlobNotFoundError);
  await store.delete(key);
  await assert.rejects(store.get('0'.repeat(64)), (e: unknown) => e instanceof BlobNotFoundError && e.key === '0'.repeat(64));
});

test('list returns every key (sorted), ignores stray files, is empty before first put', async (t) => {
  const { store, dir } = await setup(t);
  assert.deepEqual(await store.list(), []);
  const keys = await Promise.all(['a', 'b', 'c', 'd'].map((s) => store.put(Buffer.from(s))));
  await fsp.writeFile(path.join(dir, keys[0].slice(0, 2), '.tmp-leftover'), 'x');
  await fsp.writeFile(path.join(dir, 'README'), 'x');
  assert.deepEqual(await store.list(), [...keys].sort());
  await store.delete(keys[1]);
  assert.deepEqual(await store.list(), keys.filter((_, i) => i !== 1).sort());
});

test('keys are validated before any path is built', async (t) => {
  const { store } = await setup(t);
  for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), '', `${'a'.repeat(64)}\n`]) {
    await assert.rejects(store.get(bad), InvalidBlobKeyError, bad);
    await assert.rejects(store.has(bad), InvalidBlobKeyError, bad);
    await assert.rejects(store.delete(bad), InvalidBlobKeyError, bad);
  }
});

test('blobs survive a new store and keyring over the same directories', async (t) => {
  const { root, dir, store } = await setup(t);
  const key = await store.put(Buffer.from('durable'));
  const reopened = new FsBlobStore(dir, await Keyring.open(path.join(root, 'keys')));
  assert.deepEqual(await reopened.get(key), Buffer.from('durable'));
});
