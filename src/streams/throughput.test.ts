import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardThrottle } from './throughput';

const rates = { shardWriteBytesPerS: 1000, shardWriteRecordsPerS: 3, shardReadBytesPerS: 100, shardReadCallsPerS: 2 };

test('writes: records and bytes per second per shard, refilled with time; a refused write takes nothing; unwrite gives back', () => {
  let now = 0;
  const t = new ShardThrottle(rates, () => now);
  assert.ok(t.write('s', 'a', 10) && t.write('s', 'a', 10) && t.write('s', 'a', 10));
  assert.equal(t.write('s', 'a', 10), false, 'a 4th record within the second');
  assert.ok(t.write('s', 'b', 10), 'another shard has its own bucket');
  now = 340; // one record's worth (1/3 s) later
  assert.ok(t.write('s', 'a', 10));
  assert.equal(t.write('s', 'a', 10), false);
  t.unwrite('s', 'a', 10);
  assert.ok(t.write('s', 'a', 10));
  now = 10_000;
  assert.equal(t.write('s', 'a', 1001), false, 'more bytes than a second holds');
  assert.ok(t.write('s', 'a', 1000), 'the refused write took no record');
});

test('reads: calls per second, and a large read puts the bytes in debt until they refill', () => {
  let now = 0;
  const t = new ShardThrottle(rates, () => now);
  assert.ok(t.beginRead('s', 'a'));
  t.endRead('s', 'a', 300); // 3 s worth at 100 B/s
  now = 1000;
  assert.equal(t.beginRead('s', 'a'), false, 'still in debt');
  now = 3100;
  assert.ok(t.beginRead('s', 'a'));
  assert.ok(t.beginRead('s', 'a'));
  assert.equal(t.beginRead('s', 'a'), false, 'a 3rd call within the second');
});
