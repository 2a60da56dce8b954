import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../src/domain/errors';
import type { StreamSource, SourceStreamRecord } from '../src/domain/stream-source';

/**
 * The contract of `StreamSource` (src/domain/stream-source.ts), the stream
 * service as Lambda's stream event source mappings read it. Run against the
 * real stream service (src/streams/stream-source.contract.test.ts) and the
 * in-process fake the poller's unit tests use
 * (src/event-sources/stream-source-fake.contract.test.ts), so the fake
 * cannot tell the poller something Kinesis would not.
 */
export interface StreamSourceFixture {
  source: StreamSource;
  /** Creates an ACTIVE stream of `shards` even shards and returns its ARN. */
  createStream(name: string, shards: number): Promise<string>;
  /** PutRecord: routed by the MD5 of the partition key. */
  put(arn: string, partitionKey: string, data: string): Promise<{ shardId: string; sequenceNumber: string }>;
  /** SplitShard at the middle of the shard's hash key range. */
  split(arn: string, shardId: string): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const missingArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/does-not-exist';

async function readAll(source: StreamSource, arn: string, iterator: string, limit = 10_000): Promise<{ records: SourceStreamRecord[]; ended: boolean }> {
  const out: SourceStreamRecord[] = [];
  let it: string | undefined = iterator;
  for (let i = 0; i < 20 && it; i++) {
    const r = await source.read(arn, it, limit);
    out.push(...r.records);
    if (r.ended) return { records: out, ended: true };
    if (r.records.length === 0) break;
    it = r.nextIterator;
  }
  return { records: out, ended: false };
}

export function streamSourceContract(name: string, open: () => Promise<StreamSourceFixture>): void {
  const withFixture = (body: (f: StreamSourceFixture) => Promise<void>) => async () => {
    const f = await open();
    try {
      await body(f);
    } finally {
      await f.close();
    }
  };

  describe(`StreamSource contract: ${name}`, () => {
    test('describe lists the open shards and the retention; a missing stream is NotFound', withFixture(async (f) => {
      const arn = await f.createStream('d', 3);
      const info = await f.source.describe(arn);
      assert.equal(info.arn, arn);
      assert.equal(info.retentionHours, 24);
      assert.deepEqual(info.shards.map((s) => [s.shardId, s.closed, s.parentShardId]), [
        ['shardId-000000000000', false, undefined], ['shardId-000000000001', false, undefined], ['shardId-000000000002', false, undefined],
      ]);
      await assert.rejects(f.source.describe(missingArn), (e: unknown) => e instanceof DomainError && e.kind === 'NotFound');
      await assert.rejects(f.source.iterator(arn, 'shardId-000000000009', { type: 'TRIM_HORIZON' }), (e: unknown) => e instanceof DomainError && e.kind === 'NotFound');
    }));

    test('TRIM_HORIZON reads a shard in put order, with key, data and arrival; the limit and the next iterator page it', withFixture(async (f) => {
      const arn = await f.createStream('r', 1);
      const before = Date.now();
      const put = [];
      for (let i = 0; i < 5; i++) put.push(await f.put(arn, `k${i}`, `data-${i}`));
      const it = await f.source.iterator(arn, 'shardId-000000000000', { type: 'TRIM_HORIZON' });
      const first = await f.source.read(arn, it, 2);
      assert.deepEqual(first.records.map((r) => [r.partitionKey, r.data.toString()]), [['k0', 'data-0'], ['k1', 'data-1']]);
      assert.equal(first.ended, false);
      assert.ok(first.nextIterator);
      for (const r of first.records) assert.ok(r.arrivalMs >= before - 5 && r.arrivalMs <= Date.now() + 5, 'arrival is the put time');
      const rest = await readAll(f.source, arn, first.nextIterator!);
      assert.deepEqual(rest.records.map((r) => r.partitionKey), ['k2', 'k3', 'k4']);
      const seqs = [...first.records, ...rest.records].map((r) => r.sequenceNumber);
      assert.deepEqual(seqs, put.map((p) => p.sequenceNumber), 'the sequence numbers PutRecord answered');
      assert.deepEqual([...seqs].sort(), seqs, 'sequence numbers grow within the shard');
      // An open shard read to its end is not ended: a later put is read through the same iterator chain.
      const empty = await f.source.read(arn, (await f.source.read(arn, first.nextIterator!, 10)).nextIterator!, 10);
      assert.equal(empty.records.length, 0);
      assert.equal(empty.ended, false);
      await f.put(arn, 'k5', 'later');
      const later = await f.source.read(arn, empty.nextIterator!, 10);
      assert.deepEqual(later.records.map((r) => r.partitionKey), ['k5']);
    }));

    test('AFTER_SEQUENCE_NUMBER resumes after a record; latest() marks a position later puts follow', withFixture(async (f) => {
      const arn = await f.createStream('a', 1);
      const shard = 'shardId-000000000000';
      assert.equal(await f.source.latest(arn, shard), undefined, 'an empty shard has no LATEST position');
      const a = await f.put(arn, 'a', '1');
      await f.put(arn, 'b', '2');
      const after = await readAll(f.source, arn, await f.source.iterator(arn, shard, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: a.sequenceNumber }));
      assert.deepEqual(after.records.map((r) => r.partitionKey), ['b']);
      const latest = await f.source.latest(arn, shard);
      assert.ok(latest);
      await f.put(arn, 'c', '3');
      const fromLatest = await readAll(f.source, arn, await f.source.iterator(arn, shard, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: latest! }));
      assert.deepEqual(fromLatest.records.map((r) => r.partitionKey), ['c']);
    }));

    test('AT_TIMESTAMP starts at the first record that arrived at or after the time', withFixture(async (f) => {
      const arn = await f.createStream('t', 1);
      await f.put(arn, 'old', '1');
      await sleep(30);
      const t = Date.now();
      await sleep(5);
      await f.put(arn, 'new', '2');
      const got = await readAll(f.source, arn, await f.source.iterator(arn, 'shardId-000000000000', { type: 'AT_TIMESTAMP', timestampMs: t }));
      assert.deepEqual(got.records.map((r) => r.partitionKey), ['new']);
    }));

    test('a split closes the parent: read to its end it is ended, and its children name it and take later records', withFixture(async (f) => {
      const arn = await f.createStream('s', 1);
      const parent = 'shardId-000000000000';
      await f.put(arn, 'x', 'before');
      await f.split(arn, parent);
      const info = await f.source.describe(arn);
      const p = info.shards.find((s) => s.shardId === parent)!;
      assert.equal(p.closed, true);
      const children = info.shards.filter((s) => s.parentShardId === parent);
      assert.equal(children.length, 2);
      for (const c of children) assert.equal(c.closed, false);
      const read = await readAll(f.source, arn, await f.source.iterator(arn, parent, { type: 'TRIM_HORIZON' }));
      assert.deepEqual(read.records.map((r) => r.data.toString()), ['before']);
      assert.equal(read.ended, true, 'a closed shard read to its end is ended');
      const put = await f.put(arn, 'x', 'after');
      assert.ok(children.some((c) => c.shardId === put.shardId), 'a later put lands in a child');
      const child = await readAll(f.source, arn, await f.source.iterator(arn, put.shardId, { type: 'TRIM_HORIZON' }));
      assert.deepEqual(child.records.map((r) => r.data.toString()), ['after']);
      assert.ok(child.records[0]!.sequenceNumber > read.records[0]!.sequenceNumber, "a child's records follow its parent's");
    }));
  });
}
