import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Keyring, SealedDataError, MASTER_KEY_FILE, SEALED_STRING_PREFIX } from './keyring';

async function tmpDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kumo-keyring-'));
  t.after(() => fsp.rm(dir, { recursive: true, force: true }));
  return dir;
}

test('sealBytes/openBytes round trip, fresh ciphertext every call', async (t) => {
  const kr = await Keyring.open(await tmpDir(t));
  for (const plain of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(100_000, 7)]) {
    const a = kr.sealBytes(plain, 'ctx');
    const b = kr.sealBytes(plain, 'ctx');
    assert.notDeepEqual(a, b, 'a fresh data key and IV per seal');
    assert.deepEqual(kr.openBytes(a, 'ctx'), plain);
    assert.deepEqual(kr.openBytes(b, 'ctx'), plain);
  }
  // No aad is the same as the empty aad.
  assert.deepEqual(kr.openBytes(kr.sealBytes(Buffer.from('x')), ''), Buffer.from('x'));
});

test('envelope records format version and key id "default"', async (t) => {
  const kr = await Keyring.open(await tmpDir(t));
  const sealed = kr.sealBytes(Buffer.from('payload'));
  assert.equal(sealed[0], 0x4b);
  assert.equal(sealed[1], 1);
  assert.equal(sealed.subarray(3, 3 + sealed[2]).toString(), 'default');
});

test('flipping any single byte of the envelope makes openBytes throw', async (t) => {
  const kr = await Keyring.open(await tmpDir(t));
  const plain = Buffer.from('secret value 123');
  const sealed = kr.sealBytes(plain, 'aad');
  for (let i = 0; i < sealed.length; i++) {
    const bad = Buffer.from(sealed);
    bad[i] ^= 0x01;
    assert.throws(() => kr.openBytes(bad, 'aad'), SealedDataError, `flip at byte ${i}`);
  }
  // Truncation and extension fail too.
  assert.throws(() => kr.openBytes(sealed.subarray(0, sealed.length - 1), 'aad'), SealedDataError);
  assert.throws(() => kr.openBytes(Buffer.concat([sealed, Buffer.from([0])]), 'aad'), SealedDataError);
  assert.throws(() => kr.openBytes(Buffer.alloc(0)), SealedDataError);
});

test('aad mismatch throws', async (t) => {
  const kr = await Keyring.open(await tmpDir(t));
  const sealed = kr.sealBytes(Buffer.from('v'), 'function:a');
  assert.throws(() => kr.openBytes(sealed, 'function:b'), /failed authentication/);
  assert.throws(() => kr.openBytes(sealed), SealedDataError);
  const s = kr.sealString('v', 'x');
  assert.throws(() => kr.openString(s, 'y'), SealedDataError);
});

test('sealString/openString use the kumo:v1: prefix and round trip unicode', async (t) => {
  const kr = await Keyring.open(await tmpDir(t));
  const s = kr.sealString('päßwörd ✓', 'env:FOO');
  assert.ok(s.startsWith(SEALED_STRING_PREFIX));
  assert.equal(kr.openString(s, 'env:FOO'), 'päßwörd ✓');
  assert.throws(() => kr.openString(s.slice(SEALED_STRING_PREFIX.length), 'env:FOO'), SealedDataError);
  assert.throws(() => kr.openString(SEALED_STRING_PREFIX + '!!!', 'env:FOO'), SealedDataError);
});

test('master key file is 32 bytes, mode 0600, in a 0700 data dir created on demand', async (t) => {
  const dataDir = path.join(await tmpDir(t), 'nested', 'data');
  await Keyring.open(dataDir);
  const st = await fsp.stat(path.join(dataDir, MASTER_KEY_FILE));
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(st.size, 32);
  assert.equal((await fsp.stat(dataDir)).mode & 0o777, 0o700);
  // No temporary files left behind.
  assert.deepEqual(await fsp.readdir(dataDir), [MASTER_KEY_FILE]);
});

test('reopening the same dataDir decrypts old data; another dataDir cannot', async (t) => {
  const dirA = await tmpDir(t);
  const dirB = await tmpDir(t);
  const sealed = (await Keyring.open(dirA)).sealBytes(Buffer.from('persisted'), 'k');
  const keyBefore = await fsp.readFile(path.join(dirA, MASTER_KEY_FILE));
  const again = await Keyring.open(dirA);
  assert.deepEqual(again.openBytes(sealed, 'k'), Buffer.from('persisted'));
  assert.deepEqual(await fsp.readFile(path.join(dirA, MASTER_KEY_FILE)), keyBefore, 'key not rewritten');
  const other = await Keyring.open(dirB);
  assert.throws(() => other.openBytes(sealed, 'k'), SealedDataError);
});

test('concurrent opens of a fresh dataDir agree on one key', async (t) => {
  const dir = await tmpDir(t);
  const rings = await Promise.all(Array.from({ length: 8 }, () => Keyring.open(dir)));
  const sealed = rings[0].sealBytes(Buffer.from('same'));
  for (const r of rings) assert.deepEqual(r.openBytes(sealed), Buffer.from('same'));
  assert.deepEqual(await fsp.readdir(dir), [MASTER_KEY_FILE]);
});

test('a corrupt (wrong-length) key file is refused, not replaced', async (t) => {
  const dir = await tmpDir(t);
  await fsp.writeFile(path.join(dir, MASTER_KEY_FILE), Buffer.alloc(5), { mode: 0o600 });
  await assert.rejects(Keyring.open(dir), /corrupt/);
  assert.equal((await fsp.stat(path.join(dir, MASTER_KEY_FILE))).size, 5);
});
