import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncCoalescer } from './wal-sync';

/** The WAL sync coalescer (wal-sync.ts) with an injected fsync whose start and end the test controls. */

type Fsync = { started: number; finish: (error?: Error) => void };

function controlled(): { fsyncs: Fsync[]; coalescer: SyncCoalescer; clock: { t: number } } {
  const fsyncs: Fsync[] = [];
  const clock = { t: 0 };
  const coalescer = new SyncCoalescer(
    () =>
      new Promise<void>((resolve, reject) => {
        fsyncs.push({ started: ++clock.t, finish: (e) => (e ? reject(e) : resolve()) });
      }),
  );
  return { fsyncs, coalescer, clock };
}

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

test('a sync waits for an fsync that began after it, never for the one already in flight', async () => {
  const { fsyncs, coalescer, clock } = controlled();
  const done: string[] = [];
  const first = coalescer.sync().then(() => done.push('a'));
  assert.equal(fsyncs.length, 1, 'an idle coalescer starts the fsync at once');
  // b and c commit while a's fsync is in flight: that fsync may have begun before their pages were written.
  const bCalled = ++clock.t;
  const second = coalescer.sync().then(() => done.push('b'));
  const third = coalescer.sync().then(() => done.push('c'));
  assert.equal(fsyncs.length, 1, 'no second fsync runs beside the first');
  fsyncs[0]!.finish();
  await first;
  await settle();
  assert.deepEqual(done, ['a'], 'b and c were answered by an fsync that began before they called');
  assert.equal(fsyncs.length, 2, 'the next fsync starts as soon as the first ends');
  assert.ok(fsyncs[1]!.started > bCalled, 'and it began after b and c called');
  fsyncs[1]!.finish();
  await Promise.all([second, third]);
  assert.deepEqual(done, ['a', 'b', 'c']);
  assert.equal(fsyncs.length, 2, 'b and c shared one fsync');
  await coalescer.idle();
});

test('fifty concurrent writers share a few fsyncs, never two at once, each answered after one that began after its commit', async () => {
  let running = 0;
  let count = 0;
  let seq = 0;
  // The start stamps of the fsyncs that have completed.
  const completed: number[] = [];
  const coalescer = new SyncCoalescer(async () => {
    assert.equal(running++, 0, 'two fsyncs ran at once');
    const started = ++seq;
    count++;
    await sleep(20);
    running--;
    completed.push(started);
  });
  const writers = Array.from({ length: 50 }, async (_, i) => {
    await sleep(i % 7); // commits spread over a few milliseconds
    const committed = ++seq;
    await coalescer.sync();
    assert.ok(completed.some((s) => s > committed), `writer ${i} answered before an fsync that began after its commit had completed`);
  });
  await Promise.all(writers);
  assert.ok(count >= 1 && count < 50 / 5, `${count} fsyncs for 50 writers`);
});

test('the event loop runs while a slow fsync is in flight; the write is answered only after it', async () => {
  const slowMs = 200;
  let fsyncEnded = 0;
  const coalescer = new SyncCoalescer(async () => {
    await sleep(slowMs); // a slow disk: the fsync runs elsewhere (the thread pool), the loop stays free
    fsyncEnded = Date.now();
  });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const t0 = Date.now();
  await coalescer.sync();
  clearInterval(timer);
  assert.ok(Date.now() - t0 >= slowMs - 5, 'answered before the slow fsync ended');
  assert.ok(fsyncEnded > 0 && fsyncEnded <= Date.now());
  assert.ok(ticks >= 5, `only ${ticks} timer ticks during a ${slowMs} ms fsync`);
});

test('a failed fsync rejects its waiters and every later sync: nothing is acknowledged after it', async () => {
  const { fsyncs, coalescer } = controlled();
  const a = coalescer.sync();
  const b = coalescer.sync(); // waits for the next fsync, which never starts
  fsyncs[0]!.finish(new Error('EIO'));
  await assert.rejects(a, /EIO/);
  await assert.rejects(b, /EIO/);
  await assert.rejects(coalescer.sync(), /EIO/);
  assert.equal(fsyncs.length, 1, 'no fsync after the failure: its success could hide the lost pages');
  await coalescer.idle();
});

test('an fsync that throws synchronously rejects instead of escaping', async () => {
  const coalescer = new SyncCoalescer(() => {
    throw new Error('EBADF');
  });
  await assert.rejects(coalescer.sync(), /EBADF/);
});

test('idle waits for the fsync in flight and the one queued behind it', async () => {
  const { fsyncs, coalescer } = controlled();
  void coalescer.sync();
  void coalescer.sync();
  let idle = false;
  const p = coalescer.idle().then(() => (idle = true));
  fsyncs[0]!.finish();
  await settle();
  assert.equal(idle, false, 'idle while the second fsync runs');
  fsyncs[1]!.finish();
  await p;
  assert.equal(idle, true);
});
