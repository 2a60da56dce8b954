import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { LogService, LogsError } from './log-service';
import { dayMs } from './limits';

/** The domain service on a real SQLite store in a temp dir (no HTTP). */
function open(now = () => Date.now()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-logs-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  return { dir, store, logs: new LogService(store, { region: 'eu-west-1', accountId: '123456789012', now }) };
}

test('the retention sweep deletes expired events in bounded batches and keeps stream statistics true', async () => {
  const { store, logs } = open();
  const now = Date.now();
  await logs.createGroup('/g');
  await logs.createStream('/g', 's');
  const old = Array.from({ length: 25 }, (_, i) => ({ timestampMs: now - 10 * dayMs + i, message: `old ${i}` }));
  await logs.putEvents('/g', 's', old);
  await logs.putEvents('/g', 's', [{ timestampMs: now, message: 'new' }]);
  await logs.putRetention('/g', 7);
  assert.equal(await logs.expireRetained(10), 10);
  assert.equal(await logs.expireRetained(10), 10);
  assert.equal(await logs.expireRetained(10), 5);
  assert.equal(await logs.expireRetained(10), 0);
  const left = await logs.getEvents('/g', 's', { startFromHead: true });
  assert.deepEqual(left.events.map((e) => e.message), ['new']);
  const st = (await logs.describeStreams('/g', {})).streams[0]!;
  assert.equal(st.firstEventMs, now);
  assert.equal((await logs.describeGroups({})).groups[0]!.storedBytes, 3);
  await store.close();
});

test('GetLogEvents on an empty stream: tokens that stay put, then exactly the new events', async () => {
  const { store, logs } = open();
  await logs.createGroup('/g');
  await logs.createStream('/g', 's');
  const empty = await logs.getEvents('/g', 's', {});
  assert.deepEqual(empty.events, []);
  const again = await logs.getEvents('/g', 's', { nextToken: empty.nextForwardToken });
  assert.equal(again.nextForwardToken, empty.nextForwardToken);
  const now = Date.now();
  await logs.putEvents('/g', 's', [{ timestampMs: now, message: 'a' }, { timestampMs: now, message: 'b' }]);
  const fresh = await logs.getEvents('/g', 's', { nextToken: again.nextForwardToken });
  assert.deepEqual(fresh.events.map((e) => e.message), ['a', 'b']);
  // Events with equal timestamps keep their order across pages of one.
  const p1 = await logs.getEvents('/g', 's', { startFromHead: true, limit: 1 });
  const p2 = await logs.getEvents('/g', 's', { nextToken: p1.nextForwardToken, limit: 1 });
  assert.deepEqual([...p1.events, ...p2.events].map((e) => e.message), ['a', 'b']);
  await store.close();
});

test('PutLogEvents: the 14-day and 2-hour edges, expired by retention, limits', async () => {
  const now = 1_800_000_000_000;
  const { store, logs } = open(() => now);
  await logs.createGroup('/g');
  await logs.createStream('/g', 's');
  const r = await logs.putEvents('/g', 's', [
    { timestampMs: now - 14 * dayMs - 1, message: 'too old' },
    { timestampMs: now - 14 * dayMs, message: 'oldest kept' },
    { timestampMs: now - 13 * dayMs, message: 'kept' },
  ]);
  assert.deepEqual(r.rejected, { tooOldLogEventEndIndex: 0 });
  const r2 = await logs.putEvents('/g', 's', [{ timestampMs: now + 2 * 3600_000, message: 'edge' }, { timestampMs: now + 2 * 3600_000 + 1, message: 'too new' }]);
  assert.deepEqual(r2.rejected, { tooNewLogEventStartIndex: 1 });
  assert.notEqual(r.nextSequenceToken, r2.nextSequenceToken);
  await logs.putRetention('/g', 1);
  const r3 = await logs.putEvents('/g', 's', [{ timestampMs: now - 2 * dayMs, message: 'expired' }, { timestampMs: now, message: 'ok' }]);
  assert.deepEqual(r3.rejected, { expiredLogEventEndIndex: 0 });
  await assert.rejects(logs.putEvents('/g', 's', Array.from({ length: 10_001 }, () => ({ timestampMs: now, message: 'x' }))), LogsError);
  await assert.rejects(logs.putEvents('/g', 's', [{ timestampMs: now, message: 'x'.repeat(262_144) }]), /Log event too large/);
  await assert.rejects(logs.putEvents('/nope', 's', [{ timestampMs: now, message: 'x' }]), (e: LogsError) => e.kind === 'GroupNotFound');
  await store.close();
});

test('FilterLogEvents: a page that ends exactly at the last match carries no token', async () => {
  const { store, logs } = open();
  const now = Date.now();
  await logs.createGroup('/g');
  await logs.createStream('/g', 's');
  await logs.putEvents('/g', 's', [{ timestampMs: now, message: 'a 1' }, { timestampMs: now, message: 'b' }, { timestampMs: now + 1, message: 'a 2' }]);
  const p = await logs.filterEvents('/g', { pattern: 'a', limit: 2 });
  assert.deepEqual(p.events.map((e) => e.message), ['a 1', 'a 2']);
  assert.equal(p.nextToken, undefined);
  const q = await logs.filterEvents('/g', { limit: 1 });
  const q2 = await logs.filterEvents('/g', { limit: 5, nextToken: q.nextToken });
  assert.deepEqual([...q.events, ...q2.events].map((e) => e.message), ['a 1', 'b', 'a 2']);
  await store.close();
});

test('logs written before log groups existed get their group and stream rows on upgrade', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-logs-'));
  // The logs database as schema version 1 left it.
  const old = new Database(path.join(dir, 'kumo-logs.db'));
  old.exec(`CREATE TABLE log_events (id INTEGER PRIMARY KEY AUTOINCREMENT, log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
    ts_ms INTEGER NOT NULL, message TEXT NOT NULL); CREATE INDEX log_group_id ON log_events (log_group, id);`);
  old.pragma('user_version = 1');
  const ins = old.prepare('INSERT INTO log_events (log_group, log_stream, ts_ms, message) VALUES (?, ?, ?, ?)');
  ins.run('/aws/lambda/f', 'st', 1000, 'héllo');
  ins.run('/aws/lambda/f', 'st', 2000, 'world');
  old.close();
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const logs = new LogService(store, { region: 'us-east-1', accountId: '000000000000' });
  const g = (await logs.describeGroups({})).groups;
  assert.deepEqual(g.map((x) => [x.name, x.createdMs, x.storedBytes]), [['/aws/lambda/f', 1000, 11]]);
  const s = (await logs.describeStreams('/aws/lambda/f', {})).streams[0]!;
  assert.deepEqual([s.name, s.firstEventMs, s.lastEventMs], ['st', 1000, 2000]);
  assert.equal((await logs.getEvents('/aws/lambda/f', 'st', { startFromHead: true })).events.length, 2);
  await store.close();
});
