import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimiter, ConcurrencyPool, unreservedFloorFor } from './concurrency';

const granted = (x: ConcurrencyPool | string): ConcurrencyPool => {
  assert.ok(x instanceof ConcurrencyPool, `expected a grant, got ${String(x)}`);
  return x;
};

test('the account limit: grants up to it, then ConcurrentInvocationLimitExceeded; a release frees its slot', () => {
  const c = new ConcurrencyLimiter(2);
  const a = granted(c.acquire('f'));
  granted(c.acquire('g'));
  assert.equal(c.acquire('h'), 'ConcurrentInvocationLimitExceeded');
  assert.equal(c.current, 2);
  c.release(a);
  assert.equal(c.current, 1);
  granted(c.acquire('h'));
  assert.throws(() => new ConcurrencyLimiter(0), /positive integer/);
});

test('a reserved function uses only its own pool; the others share the limit minus every reservation', () => {
  const c = new ConcurrencyLimiter(5);
  c.setReserved('r', 2);
  assert.equal(c.unreservedLimit, 3);
  assert.equal(c.reservedOf('r'), 2);
  assert.equal(c.reservedOf('other'), undefined);
  const r1 = granted(c.acquire('r'));
  granted(c.acquire('r'));
  assert.equal(c.acquire('r'), 'ReservedFunctionConcurrentInvocationLimitExceeded', 'r is at its reservation though the account has room');
  for (let i = 0; i < 3; i++) granted(c.acquire(`u${i}`));
  assert.equal(c.acquire('u9'), 'ConcurrentInvocationLimitExceeded', 'the unreserved share is 3');
  c.release(r1);
  assert.equal(c.acquire('u9'), 'ConcurrentInvocationLimitExceeded', "a free slot of r's pool is not the others'");
  granted(c.acquire('r'));
});

test('reserved 0 throttles every invocation with the reserved reason; removing the reservation returns the function to the shared pool', () => {
  const c = new ConcurrencyLimiter(1000);
  c.setReserved('off', 0);
  assert.equal(c.acquire('off'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
  assert.equal(c.current, 0);
  assert.equal(c.unreservedLimit, 1000);
  c.setReserved('off', undefined);
  granted(c.acquire('off'));
});

test('a reservation changed while invocations run: they finish on their pool; the account total still holds', () => {
  const c = new ConcurrencyLimiter(3);
  const held = [granted(c.acquire('f')), granted(c.acquire('f')), granted(c.acquire('f'))];
  c.setReserved('f', 1);
  assert.equal(c.acquire('f'), 'ConcurrentInvocationLimitExceeded', "f's new pool is empty, but three run: the account is full");
  assert.equal(c.acquire('g'), 'ConcurrentInvocationLimitExceeded');
  for (const p of held) c.release(p);
  assert.equal(c.current, 0);
  granted(c.acquire('f'));
  assert.equal(c.acquire('f'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
  granted(c.acquire('g'));
  granted(c.acquire('g'));
  assert.equal(c.acquire('g'), 'ConcurrentInvocationLimitExceeded');
});

test('the unreserved floor: 100, or the whole limit below 100 (AWS answers "[10]" for a limit of 10)', () => {
  assert.equal(unreservedFloorFor(1000), 100);
  assert.equal(unreservedFloorFor(100), 100);
  assert.equal(unreservedFloorFor(10), 10);
  assert.equal(new ConcurrencyLimiter(1000).reservableMax, 900);
  assert.equal(new ConcurrencyLimiter(10).reservableMax, 0, 'only a reservation of 0 fits');
  assert.equal(new ConcurrencyLimiter(150).reservableMax, 50);
});

test('the grant is the pool itself: no object per invocation', () => {
  const c = new ConcurrencyLimiter(10);
  assert.equal(c.acquire('a'), c.acquire('b'), 'two unreserved grants are the one shared pool');
});
