import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { NewShard } from '../src/store/streams';
import type { OpenedStore } from './store-contract';

/**
 * The StreamStore part of the store contract (run by test/store-contract.ts
 * for every implementation): streams and shards, counters growing across
 * puts, reads bounded by count and bytes, positions, reshards that close
 * shards atomically (a put into a closed shard writes nothing), concurrent
 * puts taking distinct counters, retention and the bounded sweep, durability.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const halves: NewShard[] = [
  { hashStart: '0', hashEnd: '170141183460469231731687303715884105727' },
  { hashStart: '170141183460469231731687303715884105728', hashEnd: '340282366920938463463374607431768211455' },
];
const create = (s: Store, name: string, shards = halves) =>
  s.createStream({ name, arn: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`, mode: 'PROVISIONED', retentionHours: 24, tags: {}, busyMs: 0, shards });
const rec = (shardId: string, text: string) => ({ shardId, sealed: Buffer.from(text), bytes: text.length });
const texts = (r: { records: { sealed: Buffer }[] }) => r.records.map((x) => x.sealed.toString());

export function streamStoreContract(withStore: WithStore): void {
  describe('streams', () => {
    test('createStream creates once; get with shards in ordinal order; list after a name; delete removes records', withStore(async (s) => {
      assert.equal(await create(s, 'sa'), true);
      assert.equal(await create(s, 'sa'), false);
      await create(s, 'sb');
      const got = await s.getStream('sa');
      assert.deepEqual(got?.shards.map((x) => [x.shardId, x.ordinal, x.hashStart, x.seqEnd]), [
        ['shardId-000000000000', 0, '0', undefined], ['shardId-000000000001', 1, halves[1]!.hashStart, undefined],
      ]);
      assert.deepEqual((await s.listStreams(undefined, 10)).map((x) => x.name), ['sa', 'sb']);
      assert.deepEqual((await s.listStreams('sa', 10)).map((x) => x.name), ['sb']);
      await s.putStreamRecords('sa', [rec('shardId-000000000000', 'x')]);
      assert.equal(await s.deleteStream('sa'), true);
      assert.equal(await s.deleteStream('sa'), false);
      assert.equal(await s.getStream('sa'), undefined);
      await create(s, 'sa');
      assert.deepEqual(texts(await s.readStreamRecords('sa', 'shardId-000000000000', 0, 10, 1 << 20, 24)), [], 'a re-created stream starts empty');
    }));

    test('a put of 500 records (several multi-row statements) keeps every record, its order and its shard', withStore(async (s) => {
      await create(s, 'big');
      const batch = Array.from({ length: 500 }, (_, i) => rec(`shardId-00000000000${i % 2}`, `r${i}`));
      const put = await s.putStreamRecords('big', batch);
      assert.ok(Array.isArray(put));
      assert.deepEqual(put.map((x) => x.seq), Array.from({ length: 500 }, (_, i) => i + 1));
      const even = await s.readStreamRecords('big', 'shardId-000000000000', 0, 10_000, 1 << 24, 24);
      assert.deepEqual(texts(even), Array.from({ length: 250 }, (_, i) => `r${2 * i}`));
      assert.deepEqual(even.records.map((r) => r.seq), Array.from({ length: 250 }, (_, i) => 2 * i + 1));
      assert.equal((await s.readStreamRecords('big', 'shardId-000000000001', 0, 10_000, 1 << 24, 24)).records.length, 250);
      const next = await s.putStreamRecords('big', [rec('shardId-000000000000', 'after')]);
      assert.ok(Array.isArray(next) && next[0]!.seq === 501);
    }));

    test('puts take increasing counters; reads page by count and stop before the byte cap (never below one record)', withStore(async (s) => {
      await create(s, 'p');
      const a = await s.putStreamRecords('p', [rec('shardId-000000000000', 'a1'), rec('shardId-000000000001', 'b1'), rec('shardId-000000000000', 'a2')]);
      assert.ok(Array.isArray(a));
      assert.deepEqual(a.map((x) => x.seq), [1, 2, 3]);
      const b = await s.putStreamRecords('p', [rec('shardId-000000000000', 'a3')]);
      assert.ok(Array.isArray(b) && b[0]!.seq === 4);
      const all = await s.readStreamRecords('p', 'shardId-000000000000', 0, 10, 1 << 20, 24);
      assert.deepEqual(texts(all), ['a1', 'a2', 'a3']);
      assert.equal(all.nextArrivalMs, undefined);
      const two = await s.readStreamRecords('p', 'shardId-000000000000', 0, 2, 1 << 20, 24);
      assert.deepEqual(texts(two), ['a1', 'a2']);
      assert.ok(two.nextArrivalMs !== undefined, 'more remain');
      assert.deepEqual(texts(await s.readStreamRecords('p', 'shardId-000000000000', 3, 10, 1 << 20, 24)), ['a3']);
      assert.deepEqual(texts(await s.readStreamRecords('p', 'shardId-000000000000', 0, 10, 3, 24)), ['a1'], 'a2 would pass 3 bytes');
      assert.deepEqual(texts(await s.readStreamRecords('p', 'shardId-000000000000', 0, 10, 1, 24)), ['a1'], 'at least one record');
      assert.equal(await s.putStreamRecords('nope', [rec('shardId-000000000000', 'x')]), undefined);
    }));

    test('positions: the counter now, and before the first record at or after a moment', withStore(async (s) => {
      await create(s, 'pos');
      await s.putStreamRecords('pos', [rec('shardId-000000000000', 'old')]);
      await new Promise((r) => setTimeout(r, 30));
      const mid = Date.now();
      await new Promise((r) => setTimeout(r, 30));
      await s.putStreamRecords('pos', [rec('shardId-000000000001', 'other'), rec('shardId-000000000000', 'new')]);
      assert.equal(await s.streamPosition('pos', 'shardId-000000000000'), 3);
      assert.equal(await s.streamPosition('pos', 'shardId-000000000000', mid), 2, 'before "new" (counter 3)');
      assert.equal(await s.streamPosition('pos', 'shardId-000000000000', Date.now() + 60_000), 3, 'nothing after: the counter now');
      assert.equal(await s.streamPosition('nope', 'shardId-000000000000'), undefined);
    }));

    test('a reshard closes and opens shards in one step; a put routed to a closed shard writes nothing; busy refuses the next', withStore(async (s) => {
      await create(s, 'r');
      await s.putStreamRecords('r', [rec('shardId-000000000000', 'before')]);
      const kids: NewShard[] = [
        { hashStart: '0', hashEnd: '85070591730234615865843651857942052863', parentShardId: 'shardId-000000000000' },
        { hashStart: '85070591730234615865843651857942052864', hashEnd: halves[0]!.hashEnd, parentShardId: 'shardId-000000000000' },
      ];
      assert.equal(await s.reshardStream('r', ['shardId-000000000000'], kids, 60_000), 'ok');
      const got = (await s.getStream('r'))!;
      assert.deepEqual(got.shards.map((x) => [x.shardId, x.parentShardId, x.seqStart, x.seqEnd]), [
        ['shardId-000000000000', undefined, 0, 1], ['shardId-000000000001', undefined, 0, undefined],
        ['shardId-000000000002', 'shardId-000000000000', 1, undefined], ['shardId-000000000003', 'shardId-000000000000', 1, undefined],
      ]);
      assert.ok(got.stream.busyUntilMs > got.stream.nowMs);
      assert.equal(await s.putStreamRecords('r', [rec('shardId-000000000002', 'ok'), rec('shardId-000000000000', 'closed')]), 'closed');
      assert.deepEqual(texts(await s.readStreamRecords('r', 'shardId-000000000002', 0, 10, 1 << 20, 24)), [], 'nothing of the refused batch');
      assert.deepEqual(texts(await s.readStreamRecords('r', 'shardId-000000000000', 0, 10, 1 << 20, 24)), ['before'], 'a closed shard keeps its records');
      assert.equal(await s.reshardStream('r', ['shardId-000000000001'], [], 0), 'busy');
      assert.equal(await s.reshardStream('nope', [], [], 0), 'no-stream');
    }));

    test('a reshard of a shard no longer open is refused whole', withStore(async (s) => {
      await create(s, 'g');
      assert.equal(await s.reshardStream('g', ['shardId-000000000000'], [{ hashStart: '0', hashEnd: halves[0]!.hashEnd }], 0), 'ok');
      assert.equal(await s.reshardStream('g', ['shardId-000000000001', 'shardId-000000000000'], [{ hashStart: '0', hashEnd: halves[1]!.hashEnd }], 0), 'gone');
      assert.equal((await s.getStream('g'))!.shards.filter((x) => x.seqEnd === undefined).length, 2, 'shard 1 still open');
    }));

    test('concurrent puts take distinct counters, in order within the shard', withStore(async (s) => {
      await create(s, 'c');
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => s.putStreamRecords('c', [rec('shardId-000000000000', `r${i}`)])));
      const seqs = rs.map((r) => (Array.isArray(r) ? r[0]!.seq : -1)).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i + 1));
      const read = await s.readStreamRecords('c', 'shardId-000000000000', 0, 100, 1 << 20, 24);
      assert.equal(read.records.length, 20);
      assert.deepEqual(read.records.map((x) => x.seq), seqs);
    }));

    test('a stream policy: set, read, replaced, deleted (once), gone with its stream', withStore(async (s) => {
      await create(s, 'p');
      assert.equal(await s.getStreamPolicy('p'), null);
      assert.equal(await s.getStreamPolicy('nope'), undefined);
      assert.equal(await s.setStreamPolicy('p', '{"a":1}'), 'ok');
      assert.equal(await s.setStreamPolicy('p', '{"b":2}'), 'ok');
      assert.equal(await s.getStreamPolicy('p'), '{"b":2}');
      assert.equal(await s.setStreamPolicy('nope', '{}'), 'no-stream');
      assert.equal(await s.setStreamPolicy('p', null), 'ok');
      assert.equal(await s.setStreamPolicy('p', null), 'no-policy');
      assert.equal(await s.getStreamPolicy('p'), null);
      await s.setStreamPolicy('p', '{"c":3}');
      assert.equal(await s.deleteStream('p'), true);
      await create(s, 'p');
      assert.equal(await s.getStreamPolicy('p'), null, 'a stream made again has no policy');
    }));

    test('retention: tags and retention change in the row; the sweep is bounded and closed shards past retention go', withStore(async (s) => {
      await create(s, 't');
      assert.equal(await s.changeStreamTags('t', { set: { a: '1', b: '2' } }, 50), 'ok');
      assert.equal(await s.changeStreamTags('t', { set: { c: '3' }, remove: ['a'] }, 2), 'ok');
      assert.equal(await s.changeStreamTags('t', { set: { d: '4' } }, 2), 'too-many');
      assert.deepEqual((await s.getStream('t'))!.stream.tags, { b: '2', c: '3' });
      assert.equal(await s.changeStreamTags('nope', { set: { a: '1' } }, 2), 'no-stream');
      assert.equal(await s.setStreamRetention('t', 48, () => {}), 24);
      await assert.rejects(s.setStreamRetention('t', 24, () => { throw new Error('refused'); }), /refused/);
      assert.equal((await s.getStream('t'))!.stream.retentionHours, 48, 'a refused change writes nothing');
      await s.putStreamRecords('t', [rec('shardId-000000000000', 'x'), rec('shardId-000000000000', 'y'), rec('shardId-000000000001', 'z')]);
      // Nothing is older than 48 h: the sweep deletes nothing, reads with retention 0 h see nothing.
      assert.equal(await s.sweepStreamRecords(10), 0);
      // A record written in the same millisecond as the read is not older than "now − 0 h": let the clock move first.
      await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(texts(await s.readStreamRecords('t', 'shardId-000000000000', 0, 10, 1 << 20, 0)), []);
      assert.equal(await s.setStreamRetention('t', 0, () => {}), 48);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(await s.sweepStreamRecords(2), 2, 'bounded');
      assert.equal(await s.sweepStreamRecords(10), 1);
      await s.reshardStream('t', ['shardId-000000000000'], [{ hashStart: '0', hashEnd: halves[0]!.hashEnd }], 0);
      await new Promise((r) => setTimeout(r, 5));
      await s.sweepStreamRecords(10);
      assert.deepEqual((await s.getStream('t'))!.shards.map((x) => x.shardId), ['shardId-000000000001', 'shardId-000000000002']);
    }));

    test('what a put resolved is there after a reopen', withStore(async (s0, o) => {
      await create(s0, 'd');
      await s0.putStreamRecords('d', [rec('shardId-000000000001', 'kept')]);
      const s = await o.reopen();
      assert.deepEqual(texts(await s.readStreamRecords('d', 'shardId-000000000001', 0, 10, 1 << 20, 24)), ['kept']);
    }));

    test('checkpoints: first save only where none is stored, then compare-and-swap on the stored number; list by shard; delete per mapping', withStore(async (s) => {
      assert.equal(await s.saveCheckpoint('m1', 'shardId-000000000001', { sequenceNumber: '10', ended: false }, undefined), 'ok');
      assert.equal(await s.saveCheckpoint('m1', 'shardId-000000000001', { sequenceNumber: '11', ended: false }, undefined), 'conflict', 'one exists');
      assert.equal(await s.saveCheckpoint('m1', 'shardId-000000000001', { sequenceNumber: '12', ended: false }, '9'), 'conflict', 'stale expectation');
      assert.equal(await s.saveCheckpoint('m1', 'shardId-000000000001', { sequenceNumber: '12', ended: true }, '10'), 'ok');
      assert.equal(await s.saveCheckpoint('m1', 'shardId-000000000000', { ended: true }, undefined), 'ok', 'a shard ended with nothing in it');
      assert.equal(await s.saveCheckpoint('m1', 'shardId-000000000002', { sequenceNumber: '1', ended: false }, '1'), 'conflict', 'nothing stored to match');
      await s.saveCheckpoint('m2', 'shardId-000000000000', { sequenceNumber: '5', ended: false }, undefined);
      const got = await s.listCheckpoints('m1');
      assert.deepEqual(got.map((c) => [c.shardId, c.sequenceNumber, c.ended]), [
        ['shardId-000000000000', undefined, true], ['shardId-000000000001', '12', true],
      ]);
      assert.ok(got.every((c) => c.mappingId === 'm1' && c.updatedMs > 0));
      assert.equal(await s.deleteCheckpoints('m1'), 2);
      assert.deepEqual(await s.listCheckpoints('m1'), []);
      assert.equal((await s.listCheckpoints('m2')).length, 1, 'another mapping keeps its own');
    }));

    test('concurrent checkpoint saves from the same expectation: exactly one wins', withStore(async (s) => {
      const first = await Promise.all(Array.from({ length: 5 }, (_, i) => s.saveCheckpoint('c', 'shardId-000000000000', { sequenceNumber: `${i}`, ended: false }, undefined)));
      assert.equal(first.filter((r) => r === 'ok').length, 1);
      const stored = (await s.listCheckpoints('c'))[0]!.sequenceNumber;
      const next = await Promise.all(Array.from({ length: 5 }, (_, i) => s.saveCheckpoint('c', 'shardId-000000000000', { sequenceNumber: `n${i}`, ended: false }, stored)));
      assert.equal(next.filter((r) => r === 'ok').length, 1);
    }));

    test('a tumbling window is saved with its checkpoint, replaced by the next save, dropped by a save without one, kept across a reopen', withStore(async (s0, o) => {
      const w = JSON.stringify({ startMs: 1_700_000_000_000, state: { n: 3 }, terminatedEarly: false });
      assert.equal(await s0.saveCheckpoint('w', 'shardId-000000000000', { sequenceNumber: '5', ended: false, window: w }, undefined), 'ok');
      assert.equal((await s0.listCheckpoints('w'))[0]?.window, w);
      assert.equal(await s0.saveCheckpoint('w', 'shardId-000000000000', { sequenceNumber: '9', ended: false, window: '{"x":1}' }, '4'), 'conflict');
      assert.equal((await s0.listCheckpoints('w'))[0]?.window, w, 'a lost compare-and-swap writes no window');
      const big = JSON.stringify({ startMs: 1, state: { s: 'x'.repeat(1024 * 1024) } });
      assert.equal(await s0.saveCheckpoint('w', 'shardId-000000000000', { sequenceNumber: '9', ended: false, window: big }, '5'), 'ok');
      const s = await o.reopen();
      const got = (await s.listCheckpoints('w'))[0]!;
      assert.equal(got.sequenceNumber, '9');
      assert.equal(got.window, big, 'a state over 1 MB is kept whole (the terminated-early final invoke carries it)');
      assert.equal(await s.saveCheckpoint('w', 'shardId-000000000000', { sequenceNumber: '9', ended: false }, '9'), 'ok');
      assert.equal((await s.listCheckpoints('w'))[0]!.window, undefined, 'dropped after the final invoke');
    }));

    test('a checkpoint saved is there after a reopen', withStore(async (s0, o) => {
      await s0.saveCheckpoint('d', 'shardId-000000000003', { sequenceNumber: '49000003000000000000000000000000000000000000000000000007', ended: false }, undefined);
      const s = await o.reopen();
      assert.equal((await s.listCheckpoints('d'))[0]?.sequenceNumber, '49000003000000000000000000000000000000000000000000000007');
    }));
  });
}
