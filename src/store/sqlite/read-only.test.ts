import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore, StoreSchemaMismatch } from './sqlite-store';

/** A read-only SqliteStore (`kumo logs --data-dir` beside a running server) reads, never writes, never migrates. */

function dataDir(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-ro-'));
  return { dir, file: path.join(dir, 'kumo.db') };
}
const userVersion = (file: string) => {
  const d = new Database(file, { readonly: true });
  try {
    return d.pragma('user_version', { simple: true }) as number;
  } finally {
    d.close();
  }
};

test('a read-only store reads what a live writer wrote, and refuses writes', async () => {
  const { dir, file } = dataDir();
  const live = new SqliteStore(file);
  await live.appendLogs([{ group: '/g', stream: 's', events: [{ timestampMs: 1, message: 'hello' }] }]);
  const ro = new SqliteStore(file, { readOnly: true });
  assert.deepEqual((await ro.readLogs('/g', { limit: 10 })).map((e) => e.message), ['hello']);
  await live.appendLogs([{ group: '/g', stream: 's', events: [{ timestampMs: 2, message: 'later' }] }]);
  assert.deepEqual((await ro.readLogs('/g', { limit: 10 })).map((e) => e.message), ['hello', 'later']);
  await assert.rejects(ro.appendLogs([{ group: '/g', stream: 's', events: [{ timestampMs: 3, message: 'x' }] }]), /readonly/i);
  await assert.rejects(ro.createLogGroup({ name: '/h', createdMs: 1, kmsKeyId: null }), /readonly/i);
  await ro.close();
  await live.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a read-only open of an older or newer schema is refused and the files are not migrated', async () => {
  const { dir, file } = dataDir();
  await new SqliteStore(file).close();
  const logFile = path.join(dir, 'kumo-logs.db');
  const current = userVersion(logFile);
  const setVersion = (f: string, v: number) => {
    const d = new Database(f);
    d.pragma(`user_version = ${v}`);
    d.close();
  };
  setVersion(logFile, current - 1);
  assert.throws(() => new SqliteStore(file, { readOnly: true }), (e: unknown) => {
    assert.ok(e instanceof StoreSchemaMismatch);
    assert.match(e.message, new RegExp(`has schema version ${current - 1}, this Kumo reads version ${current} \\(start this version of the Kumo server once to migrate it\\)`));
    return true;
  });
  assert.equal(userVersion(logFile), current - 1, 'not migrated');
  setVersion(logFile, current);
  const metaCurrent = userVersion(file);
  setVersion(file, metaCurrent + 1);
  assert.throws(() => new SqliteStore(file, { readOnly: true }), /written by a newer Kumo/);
  assert.equal(userVersion(file), metaCurrent + 1);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a read-only open of a data dir without a database fails and creates nothing', () => {
  const { dir, file } = dataDir();
  assert.throws(() => new SqliteStore(file, { readOnly: true }));
  assert.deepEqual(fs.readdirSync(dir), []);
  fs.rmSync(dir, { recursive: true, force: true });
});
