import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { ProvisionedSet } from './provisioned';
import type { ExecutionEnvironment } from '../sandbox/execution-environment';

/** A set whose starts succeed (or fail) as the test says; EEs are plain tokens. */
function harness(requested: number, startsMax = 8) {
  let n = 0;
  const stopped: string[] = [];
  const started: string[] = [];
  let failWith: string | undefined;
  const set = new ProvisionedSet('pool', requested, {
    startsMax,
    start: async () => {
      await turn();
      if (failWith) throw new Error(failWith);
      const ee = { id: `e${++n}` } as unknown as ExecutionEnvironment;
      started.push((ee as unknown as { id: string }).id);
      return ee;
    },
    ready: () => true,
    stop: (ee) => stopped.push((ee as unknown as { id: string }).id),
  });
  return { set, stopped, started, fail: (why: string | undefined) => (failWith = why) };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await turn();
};

test('IN_PROGRESS until every requested EE is initialised, then READY', async () => {
  const h = harness(3);
  h.set.fill();
  assert.equal(h.set.status().status, 'IN_PROGRESS');
  await settle();
  assert.deepEqual(h.set.status(), { allocated: 3, available: 3, status: 'READY' });
  assert.equal(h.started.length, 3);
});

test('starts at most startsMax at a time, and still reaches the amount', async () => {
  const h = harness(5, 2);
  h.set.fill();
  await turn();
  await settle();
  assert.equal(h.set.status().status, 'READY');
  assert.equal(h.started.length, 5);
});

test('a failed start makes the set FAILED with the reason and stops starting; a put again retries', async () => {
  const h = harness(2);
  h.set.fill();
  await settle();
  h.fail('FUNCTION_ERROR_INIT_FAILURE');
  h.set.resize(3, []);
  await settle();
  assert.deepEqual(h.set.status(), { allocated: 2, available: 2, status: 'FAILED', reason: 'FUNCTION_ERROR_INIT_FAILURE' });
  h.fail(undefined);
  h.set.fill();
  await settle();
  assert.equal(h.set.status().status, 'FAILED', 'no start after a failure until the config is put again');
  h.set.resize(3, []);
  await settle();
  assert.equal(h.set.status().status, 'READY');
  assert.equal(h.started.length, 3);
});

test('lost() starts a replacement; wants() lets go of extras after a shrink and of everything after stop()', async () => {
  const owned: ExecutionEnvironment[] = [];
  let n = 0;
  const stopped: ExecutionEnvironment[] = [];
  const set = new ProvisionedSet('pool', 2, {
    startsMax: 8,
    start: async () => ({ id: `e${++n}` }) as unknown as ExecutionEnvironment,
    ready: (ee) => (owned.push(ee), true),
    stop: (ee) => stopped.push(ee),
  });
  set.fill();
  await settle();
  assert.equal(owned.length, 2);
  set.lost(owned[0]!);
  assert.equal(set.status().status, 'IN_PROGRESS');
  await settle();
  assert.equal(owned.length, 3, 'a replacement started');
  assert.equal(set.status().status, 'READY');
  set.resize(1, []); // both busy: none idle to stop now
  assert.equal(set.wants(owned[1]!), false, 'the first to come back after the shrink goes');
  assert.equal(set.wants(owned[2]!), true, 'the remaining one stays');
  set.resize(1, [owned[2]!]);
  assert.deepEqual(stopped, [], 'no idle extra to stop');
  set.stop();
  assert.equal(set.wants(owned[2]!), false);
  set.lost(owned[2]!);
  await settle();
  assert.equal(owned.length, 3, 'a stopped set starts nothing');
});
