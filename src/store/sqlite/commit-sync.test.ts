import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store';
import type { FunctionRecord } from '../../domain/records';
import type { NewQueueMessage } from '../queues';

/**
 * The main database's commits are made durable by an fsync of its WAL from
 * libuv's thread pool (sqlite-store.ts `db`), not inside better-sqlite3's
 * commit on the event loop. The real `fs.fsync` runs; the test only observes
 * it (and, for a slow disk, delays it), and a second connection tells, when
 * an fsync of the WAL begins, which commits it covers.
 */

type Observer = {
  /** Names of the functions (or message ids) committed when a completed fsync of the main WAL began. */
  covered: Set<string>;
  walFsyncs: number;
  restore: () => void;
};

function observeWalFsyncs(walFile: string, committedNow: () => string[], delayMs = 0): Observer {
  const real = fs.fsync;
  const o: Observer = { covered: new Set(), walFsyncs: 0, restore: () => void (fs.fsync = real) };
  const wal = fs.realpathSync(path.dirname(walFile));
  fs.fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    let target = '';
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      /* not ours */
    }
    if (target !== path.join(wal, path.basename(walFile))) return real(fd, cb);
    o.walFsyncs++;
    // What is committed at the moment this fsync begins is what it makes durable.
    const seen = committedNow();
    setTimeout(
      () =>
        real(fd, (e) => {
          if (!e) for (const n of seen) o.covered.add(n);
          cb(e);
        }),
      delayMs,
    );
  }) as typeof fs.fsync;
  return o;
}

function open(): { dir: string; file: string; store: SqliteStore; peek: Database.Database } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-sync-'));
  const file = path.join(dir, 'kumo.db');
  const store = new SqliteStore(file);
  const peek = new Database(file, { readonly: true });
  return { dir, file, store, peek };
}

const fnRecord = (name: string): FunctionRecord =>
  ({ name, createdAt: new Date().toISOString(), latest: { functionName: name, version: '$LATEST', revisionId: randomUUID() } }) as unknown as FunctionRecord;

test('concurrent writes share fsyncs of the WAL, each resolving only after one that began after its commit', async () => {
  const { dir, file, store, peek } = open();
  const names = () => peek.prepare('SELECT name FROM functions').pluck().all() as string[];
  const o = observeWalFsyncs(`${file}-wal`, names);
  try {
    const writes = 30;
    const all = Array.from({ length: writes }, (_, i) => {
      const name = `fn-${i}`;
      return store.createFunction(fnRecord(name)).then(() => {
        assert.ok(o.covered.has(name), `${name} resolved before an fsync that began after its commit completed`);
      });
    });
    await Promise.all(all);
    assert.ok(o.walFsyncs >= 1, 'no fsync of the WAL: the commits were not synced by the store');
    assert.ok(o.walFsyncs < writes, `${o.walFsyncs} fsyncs for ${writes} concurrent writes: none shared`);
  } finally {
    o.restore();
    peek.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('queue sends (group commit) and async enqueues resolve only after an fsync that covers them', async () => {
  const { dir, file, store, peek } = open();
  await store.createQueue({ name: 'q', attributes: {}, tags: {}, deadLetterTarget: null });
  const committed = () => [
    ...(peek.prepare('SELECT message_id FROM sqs_messages').pluck().all() as string[]),
    ...(peek.prepare('SELECT id FROM async_events').pluck().all() as string[]),
  ];
  const o = observeWalFsyncs(`${file}-wal`, committed);
  try {
    const sends = Array.from({ length: 20 }, async () => {
      const m = { messageId: randomUUID(), body: Buffer.from('x'), attributes: null, senderId: '000000000000', delayS: 0 } as NewQueueMessage;
      await store.sendMessages('q', [m], undefined);
      assert.ok(o.covered.has(m.messageId), 'a send resolved before its commit was synced');
    });
    const enqueues = Array.from({ length: 20 }, async () => {
      const id = randomUUID();
      await store.enqueueAsync({ id, functionName: 'f', qualifier: '$LATEST', payload: Buffer.from('{}'), requestId: id, attempts: 0 });
      assert.ok(o.covered.has(id), 'an enqueue resolved before its commit was synced');
    });
    await Promise.all([...sends, ...enqueues]);
    assert.ok(o.walFsyncs >= 1 && o.walFsyncs < 40, `${o.walFsyncs} fsyncs for 40 writes`);
  } finally {
    o.restore();
    peek.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a slow disk does not block the event loop: timers and reads run while a write waits for its fsync', async () => {
  const { dir, file, store, peek } = open();
  const slowMs = 300;
  const o = observeWalFsyncs(`${file}-wal`, () => peek.prepare('SELECT name FROM functions').pluck().all() as string[], slowMs);
  try {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = Date.now();
    let writeDone = 0;
    const write = store.createFunction(fnRecord('slow')).then(() => (writeDone = Date.now()));
    // A read does not wait for the sync (it sees the commit, whose writer is not answered yet).
    const read = await store.getFunction('slow');
    assert.equal(read?.name, 'slow');
    assert.equal(writeDone, 0, 'the write was answered before its slow fsync ended');
    await write;
    clearInterval(timer);
    assert.ok(writeDone - t0 >= slowMs - 5, `the write resolved after ${writeDone - t0} ms, before its ${slowMs} ms fsync ended`);
    assert.ok(o.covered.has('slow'));
    // With the fsync inside the commit the loop would have been stuck; here the timer kept running.
    assert.ok(ticks >= 10, `only ${ticks} ticks of a 10 ms timer during a ${slowMs} ms fsync`);
  } finally {
    o.restore();
    peek.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reads, and receives that find nothing, issue no fsync', async () => {
  const { dir, file, store, peek } = open();
  await store.createQueue({ name: 'empty', attributes: {}, tags: {}, deadLetterTarget: null });
  await store.createFunction(fnRecord('a'));
  const o = observeWalFsyncs(`${file}-wal`, () => []);
  try {
    await store.getFunction('a');
    await store.listFunctions(undefined, 10);
    await store.getQueue('empty');
    await store.queueCounts('empty', 60);
    // A long poll re-reads the queue every 500 ms: an empty receive writes nothing and must not wait on the disk.
    assert.deepEqual(await store.receiveMessages('empty', { max: 1, visibilityS: 30, retentionS: 60, fifo: false, inFlightMax: 10 }), []);
    assert.deepEqual(await store.leaseDueAsync(1000, 10, 'me'), []);
    assert.equal(o.walFsyncs, 0, 'a read waited for an fsync');
    // The observer sees writes (the test above could not pass vacuously).
    await store.createFunction(fnRecord('b'));
    assert.ok(o.walFsyncs >= 1);
  } finally {
    o.restore();
    peek.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
