import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimiter } from './concurrency';

test('leases up to the limit, then the reason; a released lease frees its slot once', () => {
  const c = new ConcurrencyLimiter(2);
  const a = c.acquire();
  const b = c.acquire();
  assert.equal(typeof a, 'object');
  assert.equal(typeof b, 'object');
  assert.equal(c.acquire(), 'ConcurrentInvocationLimitExceeded');
  assert.equal(c.current, 2);
  (a as { release(): void }).release();
  (a as { release(): void }).release();
  assert.equal(c.current, 1);
  assert.equal(typeof c.acquire(), 'object');
  assert.throws(() => new ConcurrencyLimiter(0), /positive integer/);
});
