import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashKeyMax, hashKeyOf, uniformRanges } from './hash';
import { formatSequence, parseSequence } from './sequence';
import { planMerge, planSplit, planUniform } from './reshard-plan';
import type { ShardRecord } from '../store/streams';

test('a partition key hashes to the MD5 of its UTF-8 bytes as a big-endian 128-bit integer', () => {
  assert.equal(hashKeyOf(''), BigInt('0xd41d8cd98f00b204e9800998ecf8427e'));
  assert.equal(hashKeyOf('héllo'), BigInt('0x' + createHash('md5').update(Buffer.from('héllo', 'utf8')).digest('hex')));
});

test("uniform ranges are AWS's: 4 shards split at 2^126 multiples, 3 shards at ⌊2^128·i/3⌋, covering the key space", () => {
  const four = uniformRanges(4);
  assert.equal(four[0]!.hashEnd, '85070591730234615865843651857942052863');
  assert.equal(four[1]!.hashStart, '85070591730234615865843651857942052864');
  assert.equal(four[3]!.hashEnd, hashKeyMax.toString());
  const three = uniformRanges(3);
  assert.equal(three[0]!.hashEnd, '113427455640312821154458202477256070484');
  assert.equal(three[1]!.hashStart, '113427455640312821154458202477256070485');
  for (const rs of [four, three, uniformRanges(7)]) {
    assert.equal(rs[0]!.hashStart, '0');
    for (let i = 1; i < rs.length; i++) assert.equal(BigInt(rs[i]!.hashStart), BigInt(rs[i - 1]!.hashEnd) + 1n);
  }
});

test('sequence numbers are 56 digits, grow with the counter, and name their shard', () => {
  const a = formatSequence(3, 41);
  assert.equal(a.length, 56);
  assert.ok(formatSequence(3, 42) > a);
  assert.deepEqual(parseSequence(a), { ordinal: 3, counter: 41 });
  assert.equal(parseSequence('123'), undefined);
  assert.equal(parseSequence('x'.repeat(56)), undefined);
});

const shard = (ordinal: number, hashStart: string, hashEnd: string): ShardRecord => ({
  shardId: `shardId-${String(ordinal).padStart(12, '0')}`, ordinal, hashStart, hashEnd, seqStart: 0, createdMs: 0,
});

test('reshard plans: uniform parents (at most two), split inside the range, merge of adjacent shards only', () => {
  const two = uniformRanges(2).map((r, i) => shard(i, r.hashStart, r.hashEnd));
  const up = planUniform(two, 3);
  assert.deepEqual(up.map((x) => [x.parentShardId, x.adjacentParentShardId]), [
    ['shardId-000000000000', undefined], ['shardId-000000000000', 'shardId-000000000001'], ['shardId-000000000001', undefined],
  ]);
  const five = uniformRanges(5).map((r, i) => shard(i, r.hashStart, r.hashEnd));
  assert.throws(() => planUniform(five, 3), /3 parents/);
  const [l, r] = planSplit(two[0]!, 10n);
  assert.deepEqual([l!.hashStart, l!.hashEnd, r!.hashStart], ['0', '9', '10']);
  assert.throws(() => planSplit(two[0]!, 0n), /must be between 1 and/);
  const merged = planMerge(two[1]!, two[0]!, 's', '000000000000');
  assert.deepEqual([merged.hashStart, merged.hashEnd, merged.parentShardId], ['0', hashKeyMax.toString(), 'shardId-000000000001']);
  const four = uniformRanges(4).map((x, i) => shard(i, x.hashStart, x.hashEnd));
  assert.throws(() => planMerge(four[0]!, four[2]!, 's', '000000000000'), /not an adjacent pair/);
});
