import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managedRetryDelayMs, retryDelayMs } from './retry';
import { defaultHttpDeliveryPolicy } from './limits';

test('http: AWS\'s default policy is 3 retries 20 s apart, then none', () => {
  assert.deepEqual([1, 2, 3, 4].map((r) => retryDelayMs({ ...defaultHttpDeliveryPolicy }, r)), [20_000, 20_000, 20_000, undefined]);
});

test('http: the four phases in order (no delay, minimum, backoff, maximum)', () => {
  const p = { minDelayTarget: 1, maxDelayTarget: 9, numRetries: 7, numNoDelayRetries: 1, numMinDelayRetries: 1, numMaxDelayRetries: 2, backoffFunction: 'linear' };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((r) => retryDelayMs(p, r)), [0, 1000, 1000, 5000, 9000, 9000, 9000, undefined]);
});

test('sqs/lambda: 3 immediate retries, 2 after a second, then a backoff to 20 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(managedRetryDelayMs), [0, 0, 0, 1000, 1000, 1000]);
  assert.equal(managedRetryDelayMs(15), 20_000);
  assert.equal(managedRetryDelayMs(16), 20_000);
  assert.equal(managedRetryDelayMs(100_016), undefined);
});
