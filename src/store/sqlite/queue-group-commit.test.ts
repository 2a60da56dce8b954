import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store';
import type { NewQueueMessage } from '../queues';

/** SendMessages given in one event-loop turn share one SQLite commit (queue-driver.ts SqliteGroupCommit). */

function open(): { dir: string; file: string; store: SqliteStore; peek: Database.Database } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-gc-'));
  const file = path.join(dir, 'kumo.db');
  const store = new SqliteStore(file);
  // A second connection on the same file: checkpoints and counts the WAL's frames (each commit appends the pages it changed).
  const peek = new Database(file);
  return { dir, file, store, peek };
}

const msg = (body: Buffer | null = Buffer.from('x')): NewQueueMessage =>
  ({ messageId: randomUUID(), body, attributes: null, senderId: '000000000000', delayS: 0 }) as NewQueueMessage;

/** Frames in the WAL now (PASSIVE checkpoint's second column), then an empty WAL for what follows. */
function walFrames(peek: Database.Database): number {
  const r = peek.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  peek.pragma('wal_checkpoint(TRUNCATE)');
  return r[0]!.log;
}

test('concurrent sends commit together: fewer WAL frames than sends, where one by one they take at least one each', async () => {
  const { dir, store, peek } = open();
  await store.createQueue({ name: 'q', attributes: {}, tags: {}, deadLetterTarget: null });
  const sends = 40;
  walFrames(peek);
  for (let i = 0; i < sends; i++) await store.sendMessages('q', [msg()], undefined);
  const oneByOne = walFrames(peek);
  await Promise.all(Array.from({ length: sends }, () => store.sendMessages('q', [msg()], undefined)));
  const together = walFrames(peek);
  assert.ok(oneByOne >= sends, `one by one: ${oneByOne} frames for ${sends} commits`);
  assert.ok(together < sends / 2, `together: ${together} frames for ${sends} sends (one by one: ${oneByOne})`);
  assert.equal((await store.queueCounts('q', 345_600))!.visible, 2 * sends);
  peek.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a send that fails inside a shared commit rolls back alone and rejects only its caller', async () => {
  const { dir, store, peek } = open();
  await store.createQueue({ name: 'q', attributes: {}, tags: {}, deadLetterTarget: null });
  const [a, b, c] = await Promise.allSettled([
    store.sendMessages('q', [msg()], undefined),
    // Its first message is valid, its second breaks NOT NULL: neither may be stored.
    store.sendMessages('q', [msg(), msg(null)], undefined),
    store.sendMessages('q', [msg()], undefined),
  ]);
  assert.equal(a.status, 'fulfilled');
  assert.equal(b.status, 'rejected');
  assert.match(String((b as PromiseRejectedResult).reason), /NOT NULL/);
  assert.equal(c.status, 'fulfilled');
  assert.equal((await store.queueCounts('q', 345_600))!.visible, 2);
  // A send to a missing queue in the same turn answers undefined, as alone.
  const [missing, ok] = await Promise.all([store.sendMessages('nope', [msg()], undefined), store.sendMessages('q', [msg()], undefined)]);
  assert.equal(missing, undefined);
  assert.equal(ok!.length, 1);
  peek.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('receives sharing a commit never lease one message twice, and deletes in it remove what they name', async () => {
  const { dir, store, peek } = open();
  await store.createQueue({ name: 'q', attributes: {}, tags: {}, deadLetterTarget: null });
  await store.sendMessages('q', Array.from({ length: 10 }, () => msg()), undefined);
  await store.sendMessages('q', Array.from({ length: 10 }, () => msg()), undefined);
  const opts = { max: 10, visibilityS: 30, retentionS: 345_600, fifo: false, inFlightMax: 120_000 };
  walFrames(peek);
  const got = await Promise.all(Array.from({ length: 4 }, () => store.receiveMessages('q', opts)));
  const leased = got.flatMap((g) => (Array.isArray(g) ? g : []));
  assert.equal(leased.length, 20);
  assert.equal(new Set(leased.map((m) => m.messageId)).size, 20, 'a message was leased twice');
  const [firstHalf, secondHalf] = [leased.slice(0, 10), leased.slice(10)];
  const deleted = await Promise.all([firstHalf, secondHalf].map((h) => store.deleteMessages('q', h.map((m) => m.receiptHandle))));
  assert.deepEqual(deleted.flat(), Array(20).fill('ok'));
  assert.deepEqual(await store.queueCounts('q', 345_600), { visible: 0, inFlight: 0, delayed: 0 });
  peek.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
