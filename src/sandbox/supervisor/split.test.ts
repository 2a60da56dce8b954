import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { supervisorWanted, untraversableParent } from './split';

test('untraversableParent names the first parent the API user may not search, by owner, group or other bits', (t) => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-trav-')));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.chmodSync(root, 0o755);
  const user = { name: 'api', uid: 54321, gid: 54321 };
  fs.mkdirSync(path.join(root, 'open', 'data'), { recursive: true });
  fs.chmodSync(path.join(root, 'open'), 0o755);
  assert.equal(untraversableParent(path.join(root, 'open', 'data'), user), undefined);
  // A 0700 directory of another owner (like /root) stops it.
  fs.chmodSync(path.join(root, 'open'), 0o700);
  assert.equal(untraversableParent(path.join(root, 'open', 'data'), user), path.join(root, 'open'));
  // Owned by the user with u+x, or in its group with g+x: passable.
  fs.chownSync(path.join(root, 'open'), user.uid, 0);
  assert.equal(untraversableParent(path.join(root, 'open', 'data'), user), undefined);
  fs.chownSync(path.join(root, 'open'), 0, user.gid);
  fs.chmodSync(path.join(root, 'open'), 0o710);
  assert.equal(untraversableParent(path.join(root, 'open', 'data'), user), undefined);
});

test('KUMO_SUPERVISOR takes 0 or 1 (or nothing); any other value is refused, never guessed', () => {
  assert.equal(supervisorWanted({ KUMO_SUPERVISOR: '0' }), false);
  assert.equal(supervisorWanted({}), process.getuid?.() === 0);
  assert.equal(supervisorWanted({ KUMO_SUPERVISOR: '1' }), process.getuid?.() === 0);
  for (const bad of ['yes', 'false', 'off', ' 1']) assert.throws(() => supervisorWanted({ KUMO_SUPERVISOR: bad }), /KUMO_SUPERVISOR must be 0 or 1/);
});
