import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chownDataDir, ensureApiUser } from './privileges';

const nobody = { name: 'nobody', uid: 65534, gid: 65534 };

test('the data dir goes to the API user, except sandbox/; symlinks are changed, never followed', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-chown-')));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-chown-outside-'));
  try {
    fs.mkdirSync(path.join(dir, 'code', 'abc'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'code', 'abc', 'index.js'), '');
    fs.writeFileSync(path.join(dir, 'master.key'), '');
    fs.mkdirSync(path.join(dir, 'sandbox', 'scratch'), { recursive: true });
    fs.symlinkSync(outside, path.join(dir, 'code', 'link'));
    chownDataDir(dir, nobody);
    for (const p of ['.', 'code', 'code/abc', 'code/abc/index.js', 'master.key']) assert.equal(fs.lstatSync(path.join(dir, p)).uid, nobody.uid, p);
    assert.equal(fs.lstatSync(path.join(dir, 'code', 'link')).uid, nobody.uid);
    assert.equal(fs.statSync(outside).uid, 0, 'a symlink was followed out of the data dir');
    assert.equal(fs.statSync(path.join(dir, 'sandbox')).uid, 0);
    assert.equal(fs.statSync(path.join(dir, 'sandbox', 'scratch')).uid, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('the API user is never root, and a named user must exist', () => {
  assert.throws(() => ensureApiUser('root'), /is root/);
  assert.throws(() => ensureApiUser('no-such-user-kumo-test'), /does not exist/);
  assert.equal(ensureApiUser('nobody').uid, 65534);
});
