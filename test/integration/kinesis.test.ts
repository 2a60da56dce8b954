import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DecreaseStreamRetentionPeriodCommand, DeleteStreamCommand, DescribeStreamCommand,
  DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, IncreaseStreamRetentionPeriodCommand, KinesisClient,
  ListShardsCommand, ListStreamsCommand, ListTagsForStreamCommand, MergeShardsCommand, PutRecordCommand, PutRecordsCommand,
  RegisterStreamConsumerCommand, RemoveTagsFromStreamCommand, SplitShardCommand, StartStreamEncryptionCommand, UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { startServer, type RunningServer } from './harness';
import { rejection } from './sqs-helpers';
import { kinesisClient, readShard, text, waitActive } from './kinesis-helpers';

const enc = (s: string) => Buffer.from(s, 'utf8');
const md5Key = (pk: string) => BigInt('0x' + createHash('md5').update(pk, 'utf8').digest('hex'));

describe('Kinesis through @aws-sdk/client-kinesis', () => {
  let s: RunningServer;
  let k: KinesisClient;
  before(async () => {
    // Iterators expire after 1.5 s here (AWS: 5 minutes), so the expiry is testable.
    s = await startServer({ env: { KUMO_KINESIS_ITERATOR_TTL_MS: '1500' } });
    k = kinesisClient(s);
  });
  after(async () => {
    k?.destroy();
    await s?.stop();
  });

  it('CreateStream: CREATING then ACTIVE; DescribeStream, DescribeStreamSummary, ListStreams (summaries, paging), ListShards, ARN, ON_DEMAND with 4 shards', async () => {
    await k.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 3, Tags: { team: 'a' } }));
    const seen = await waitActive(k, 'orders');
    assert.deepEqual(seen, ['CREATING', 'ACTIVE']);
    const d = (await k.send(new DescribeStreamCommand({ StreamName: 'orders' }))).StreamDescription!;
    assert.equal(d.StreamARN, 'arn:aws:kinesis:us-east-1:000000000000:stream/orders');
    assert.equal(d.RetentionPeriodHours, 24);
    assert.equal(d.StreamModeDetails?.StreamMode, 'PROVISIONED');
    assert.ok(d.StreamCreationTimestamp instanceof Date);
    assert.deepEqual(d.Shards!.map((x) => x.ShardId), ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    assert.equal(d.Shards![0]!.HashKeyRange!.EndingHashKey, '113427455640312821154458202477256070484');
    assert.equal(d.Shards![2]!.HashKeyRange!.EndingHashKey, ((1n << 128n) - 1n).toString());
    assert.equal(d.Shards![0]!.SequenceNumberRange!.StartingSequenceNumber!.length, 56);
    assert.equal(d.HasMoreShards, false);
    const page = (await k.send(new DescribeStreamCommand({ StreamARN: d.StreamARN, Limit: 2 }))).StreamDescription!;
    assert.deepEqual([page.Shards!.length, page.HasMoreShards], [2, true]);
    const sum = (await k.send(new DescribeStreamSummaryCommand({ StreamARN: d.StreamARN }))).StreamDescriptionSummary!;
    assert.deepEqual([sum.OpenShardCount, sum.StreamStatus, sum.ConsumerCount], [3, 'ACTIVE', 0]);

    await k.send(new CreateStreamCommand({ StreamName: 'ondemand', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await waitActive(k, 'ondemand');
    const od = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'ondemand' }))).StreamDescriptionSummary!;
    assert.deepEqual([od.OpenShardCount, od.StreamModeDetails?.StreamMode], [4, 'ON_DEMAND']);

    const l1 = await k.send(new ListStreamsCommand({ Limit: 1 }));
    assert.deepEqual([l1.StreamNames, l1.HasMoreStreams], [['ondemand'], true]);
    assert.equal(l1.StreamSummaries![0]!.StreamARN, 'arn:aws:kinesis:us-east-1:000000000000:stream/ondemand');
    const l2 = await k.send(new ListStreamsCommand({ NextToken: l1.NextToken }));
    assert.deepEqual([l2.StreamNames, l2.HasMoreStreams], [['orders'], false]);

    const ls1 = await k.send(new ListShardsCommand({ StreamName: 'orders', MaxResults: 2 }));
    assert.equal(ls1.Shards!.length, 2);
    const ls2 = await k.send(new ListShardsCommand({ NextToken: ls1.NextToken }));
    assert.deepEqual(ls2.Shards!.map((x) => x.ShardId), ['shardId-000000000002']);
    assert.equal(ls2.NextToken, undefined);
    assert.equal((await k.send(new ListShardsCommand({ StreamName: 'orders', StreamCreationTimestamp: d.StreamCreationTimestamp }))).Shards!.length, 3);
    const older = await rejection(k.send(new ListShardsCommand({ StreamName: 'orders', StreamCreationTimestamp: new Date(d.StreamCreationTimestamp!.getTime() - 60_000) })));
    assert.equal(older.name, 'ResourceNotFoundException', 'another creation time is another stream');
    const after1 = await k.send(new ListShardsCommand({ StreamName: 'orders', ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000000' } }));
    assert.equal(after1.Shards!.length, 2);
  });

  it('partition keys land in the shard whose hash key range holds their MD5; ExplicitHashKey is honoured; order per shard', async () => {
    const shards = (await k.send(new DescribeStreamCommand({ StreamName: 'orders' }))).StreamDescription!.Shards!;
    const shardOf = (key: bigint) => shards.find((x) => BigInt(x.HashKeyRange!.StartingHashKey!) <= key && key <= BigInt(x.HashKeyRange!.EndingHashKey!))!.ShardId;
    const keys = Array.from({ length: 30 }, (_, i) => `customer-${i}`);
    const sent: { pk: string; shard: string; seq: string }[] = [];
    for (const pk of keys) {
      const r = await k.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: pk, Data: enc(`v-${pk}`) }));
      assert.equal(r.ShardId, shardOf(md5Key(pk)), pk);
      assert.equal(r.SequenceNumber!.length, 56);
      sent.push({ pk, shard: r.ShardId!, seq: r.SequenceNumber! });
    }
    const explicit = await k.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'any', ExplicitHashKey: '0', Data: enc('explicit') }));
    assert.equal(explicit.ShardId, 'shardId-000000000000');
    const batch = await k.send(new PutRecordsCommand({
      StreamName: 'orders', Records: keys.slice(0, 10).map((pk) => ({ PartitionKey: pk, Data: enc(`b-${pk}`) })),
    }));
    assert.equal(batch.FailedRecordCount, 0);
    batch.Records!.forEach((r, i) => {
      assert.equal(r.ShardId, shardOf(md5Key(keys[i]!)));
      sent.push({ pk: keys[i]!, shard: r.ShardId!, seq: r.SequenceNumber! });
    });
    for (const sh of shards) {
      const got = await readShard(k, 'orders', sh.ShardId!);
      const want = sent.filter((x) => x.shard === sh.ShardId).map((x) => x.seq);
      const seqs = got.map((r) => r.SequenceNumber!).filter((q) => want.includes(q));
      assert.deepEqual(seqs, want, `${sh.ShardId}: every record, in put order`);
      const sorted = [...got.map((r) => r.SequenceNumber!)].sort();
      assert.deepEqual(got.map((r) => r.SequenceNumber!), sorted, 'sequence numbers increase within the shard');
    }
    const first = (await readShard(k, 'orders', 'shardId-000000000000'))[0]!;
    assert.ok(first.ApproximateArrivalTimestamp instanceof Date);
    assert.ok(first.PartitionKey);
  });

  it('iterators of every type; MillisBehindLatest; ExpiredIteratorException after the (configured) expiry', async () => {
    await k.send(new CreateStreamCommand({ StreamName: 'it', ShardCount: 1 }));
    await waitActive(k, 'it');
    const put = async (v: string) => (await k.send(new PutRecordCommand({ StreamName: 'it', PartitionKey: 'p', Data: enc(v) }))).SequenceNumber!;
    const iter = async (ShardIteratorType: 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP', extra: { StartingSequenceNumber?: string; Timestamp?: Date } = {}) =>
      (await k.send(new GetShardIteratorCommand({ StreamName: 'it', ShardId: 'shardId-000000000000', ShardIteratorType, ...extra }))).ShardIterator!;
    // A shard serves 5 GetRecords calls per second: this reader keeps to that, as a consumer must.
    const read = async (ShardIterator: string, Limit?: number) => {
      await new Promise((r) => setTimeout(r, 210));
      return k.send(new GetRecordsCommand({ ShardIterator, Limit }));
    };
    const s1 = await put('one');
    await new Promise((r) => setTimeout(r, 50));
    const t2 = new Date();
    await new Promise((r) => setTimeout(r, 50));
    const s2 = await put('two');
    const latest = await iter('LATEST');
    await put('three');
    const vals = async (it: string) => (await read(it)).Records!.map(text);
    assert.deepEqual(await vals(await iter('TRIM_HORIZON')), ['one', 'two', 'three']);
    assert.deepEqual(await vals(latest), ['three'], 'LATEST: what arrived after the iterator');
    assert.deepEqual(await vals(await iter('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: s2 })), ['two', 'three']);
    assert.deepEqual(await vals(await iter('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: s1 })), ['two', 'three']);
    assert.deepEqual(await vals(await iter('AT_TIMESTAMP', { Timestamp: t2 })), ['two', 'three']);
    const withArn = await k.send(new GetRecordsCommand({ ShardIterator: await iter('TRIM_HORIZON'), StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/it' }));
    assert.equal(withArn.Records!.length, 3, 'StreamARN beside the iterator');
    await new Promise((r) => setTimeout(r, 210));
    const mismatch = await rejection(k.send(new GetRecordsCommand({ ShardIterator: await iter('TRIM_HORIZON'), StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders' })));
    assert.equal(mismatch.name, 'InvalidArgumentException');
    await new Promise((r) => setTimeout(r, 210));
    const part = await read(await iter('TRIM_HORIZON'), 1);
    assert.deepEqual(part.Records!.map(text), ['one']);
    assert.ok(part.MillisBehindLatest! > 0, 'records remain behind the one returned');
    const rest = await read(part.NextShardIterator!);
    assert.deepEqual(rest.Records!.map(text), ['two', 'three']);
    assert.equal(rest.MillisBehindLatest, 0);
    const empty = await read(rest.NextShardIterator!);
    assert.deepEqual([empty.Records, empty.MillisBehindLatest], [[], 0]);
    assert.ok(empty.NextShardIterator, 'an open shard always has a next iterator');

    const old = await iter('TRIM_HORIZON');
    await new Promise((r) => setTimeout(r, 1700));
    const e = await rejection(read(old));
    assert.equal(e.name, 'ExpiredIteratorException');
    assert.match(e.message, /^Iterator expired\. The iterator was created at time .* tolerated delay of 1500 milliseconds\.$/);
  });

  it('retention: Increase/Decrease within 24–8,760 h, in the direction each names', async () => {
    await k.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'it', RetentionPeriodHours: 48 }));
    assert.equal((await k.send(new DescribeStreamSummaryCommand({ StreamName: 'it' }))).StreamDescriptionSummary!.RetentionPeriodHours, 48);
    const down = await rejection(k.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'it', RetentionPeriodHours: 24 })));
    assert.equal(down.name, 'InvalidArgumentException');
    assert.match(down.message, /can not be shorter than existing retention period \(48 hours\)\. Use DecreaseRetentionPeriod API\./);
    const tooLong = await rejection(k.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'it', RetentionPeriodHours: 8761 })));
    assert.equal(tooLong.name, 'InvalidArgumentException');
    const tooShort = await rejection(k.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: 'it', RetentionPeriodHours: 23 })));
    assert.equal(tooShort.name, 'InvalidArgumentException');
    await k.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: 'it', RetentionPeriodHours: 24 }));
    assert.equal((await k.send(new DescribeStreamSummaryCommand({ StreamName: 'it' }))).StreamDescriptionSummary!.RetentionPeriodHours, 24);
  });

  it('tags: add, list (paged), remove; more than 50 is LimitExceededException', async () => {
    await k.send(new AddTagsToStreamCommand({ StreamName: 'orders', Tags: { b: '2', c: '3' } }));
    const all = await k.send(new ListTagsForStreamCommand({ StreamName: 'orders' }));
    assert.deepEqual(all.Tags, [{ Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }, { Key: 'team', Value: 'a' }]);
    const page = await k.send(new ListTagsForStreamCommand({ StreamName: 'orders', Limit: 1, ExclusiveStartTagKey: 'b' }));
    assert.deepEqual([page.Tags, page.HasMoreTags], [[{ Key: 'c', Value: '3' }], true]);
    await k.send(new RemoveTagsFromStreamCommand({ StreamName: 'orders', TagKeys: ['b', 'team'] }));
    assert.deepEqual((await k.send(new ListTagsForStreamCommand({ StreamName: 'orders' }))).Tags, [{ Key: 'c', Value: '3' }]);
    for (let i = 0; i < 4; i++) {
      await k.send(new AddTagsToStreamCommand({ StreamName: 'orders', Tags: Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`k${i}-${j}`, 'v'])) }));
    }
    const e = await rejection(k.send(new AddTagsToStreamCommand({ StreamName: 'orders', Tags: Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`x${j}`, 'v'])) })));
    assert.equal(e.name, 'LimitExceededException');
  });

  it('a split and a merge: parents close with an ending sequence number and keep their records; children follow; order per key holds across', async () => {
    await k.send(new CreateStreamCommand({ StreamName: 'rs', ShardCount: 1 }));
    await waitActive(k, 'rs');
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const put = (round: number) => k.send(new PutRecordsCommand({ StreamName: 'rs', Records: keys.map((pk) => ({ PartitionKey: pk, Data: enc(`${pk}${round}`) })) }));
    await put(1);
    await k.send(new SplitShardCommand({ StreamName: 'rs', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
    const during = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'rs' }))).StreamDescriptionSummary!.StreamStatus;
    assert.equal(during, 'UPDATING');
    const busy = await rejection(k.send(new UpdateShardCountCommand({ StreamName: 'rs', TargetShardCount: 1, ScalingType: 'UNIFORM_SCALING' })));
    assert.equal(busy.name, 'ResourceInUseException');
    await put(2); // puts go on while UPDATING, into the children
    await waitActive(k, 'rs');
    await k.send(new MergeShardsCommand({ StreamName: 'rs', ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }));
    await waitActive(k, 'rs');
    await put(3);
    const d = (await k.send(new DescribeStreamCommand({ StreamName: 'rs' }))).StreamDescription!;
    const byId = Object.fromEntries(d.Shards!.map((x) => [x.ShardId!, x]));
    assert.deepEqual(Object.keys(byId), ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003']);
    assert.ok(byId['shardId-000000000000']!.SequenceNumberRange!.EndingSequenceNumber, 'the split parent is closed');
    assert.equal(byId['shardId-000000000001']!.ParentShardId, 'shardId-000000000000');
    assert.equal(byId['shardId-000000000003']!.ParentShardId, 'shardId-000000000001');
    assert.equal(byId['shardId-000000000003']!.AdjacentParentShardId, 'shardId-000000000002');
    assert.equal(byId['shardId-000000000003']!.SequenceNumberRange!.EndingSequenceNumber, undefined);

    // A reader that drains parents before children (as the KCL does) sees each key's records in put order.
    const perKey: Record<string, string[]> = {};
    for (const id of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003']) {
      let it = (await k.send(new GetShardIteratorCommand({ StreamName: 'rs', ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      let guard = 0;
      while (it && guard++ < 10) {
        const r = await k.send(new GetRecordsCommand({ ShardIterator: it }));
        for (const rec of r.Records ?? []) (perKey[rec.PartitionKey!] ??= []).push(text(rec));
        if (id !== 'shardId-000000000003') {
          if (!r.NextShardIterator) {
            assert.ok(r.ChildShards?.length, `${id} read to its end names its children`);
            break;
          }
        } else if (!r.Records?.length) break;
        it = r.NextShardIterator;
      }
    }
    for (const pk of keys) assert.deepEqual(perKey[pk], [`${pk}1`, `${pk}2`, `${pk}3`], pk);
    const closedEnd = await k.send(new GetRecordsCommand({
      ShardIterator: (await k.send(new GetShardIteratorCommand({ StreamName: 'rs', ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }))).ShardIterator,
    }));
    assert.deepEqual(closedEnd.ChildShards!.map((c) => [c.ShardId, c.ParentShards]), [
      ['shardId-000000000001', ['shardId-000000000000']], ['shardId-000000000002', ['shardId-000000000000']],
    ]);
    assert.equal(closedEnd.NextShardIterator, undefined);
  });

  it('UpdateShardCount (uniform) doubles and halves with parents named; beyond double is refused', async () => {
    await k.send(new CreateStreamCommand({ StreamName: 'us', ShardCount: 2 }));
    await waitActive(k, 'us');
    await k.send(new PutRecordCommand({ StreamName: 'us', PartitionKey: 'k', Data: enc('before') }));
    const r = await k.send(new UpdateShardCountCommand({ StreamName: 'us', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }));
    assert.deepEqual([r.CurrentShardCount, r.TargetShardCount, r.StreamARN], [2, 4, 'arn:aws:kinesis:us-east-1:000000000000:stream/us']);
    await waitActive(k, 'us');
    const open = (await k.send(new ListShardsCommand({ StreamName: 'us', ShardFilter: { Type: 'AT_LATEST' } }))).Shards!;
    assert.deepEqual(open.map((x) => x.ParentShardId), ['shardId-000000000000', 'shardId-000000000000', 'shardId-000000000001', 'shardId-000000000001']);
    const e = await rejection(k.send(new UpdateShardCountCommand({ StreamName: 'us', TargetShardCount: 9, ScalingType: 'UNIFORM_SCALING' })));
    assert.equal(e.name, 'InvalidArgumentException');
    await k.send(new UpdateShardCountCommand({ StreamName: 'us', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
    await waitActive(k, 'us');
    const halved = (await k.send(new ListShardsCommand({ StreamName: 'us', ShardFilter: { Type: 'AT_LATEST' } }))).Shards!;
    assert.deepEqual(halved.map((x) => [x.ParentShardId, x.AdjacentParentShardId]), [
      ['shardId-000000000002', 'shardId-000000000003'], ['shardId-000000000004', 'shardId-000000000005'],
    ]);
  });

  it('throughput: past 1,000 records/s into a shard PutRecords fails those records alone; GetRecords past 5 calls/s is refused', async () => {
    await k.send(new CreateStreamCommand({ StreamName: 'tp', ShardCount: 1 }));
    await waitActive(k, 'tp');
    const recs = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `p${i}`, Data: enc('x') }));
    let failed = 0;
    let failure: { ErrorCode?: string; ErrorMessage?: string } | undefined;
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) {
      const r = await k.send(new PutRecordsCommand({ StreamName: 'tp', Records: recs }));
      failed += r.FailedRecordCount!;
      failure ??= r.Records!.find((x) => x.ErrorCode);
      for (const x of r.Records!) assert.ok(x.ErrorCode ? !x.SequenceNumber : x.SequenceNumber, 'a record either failed or has a sequence number');
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const accepted = 2000 - failed;
    // A full bucket (1,000) plus its refill while the calls ran, never more.
    assert.ok(failed > 0 && accepted <= 1000 + Math.ceil(elapsedS * 1000) + 1, `accepted ${accepted} of 2,000 in ${elapsedS} s`);
    assert.equal(failure?.ErrorCode, 'ProvisionedThroughputExceededException');
    assert.equal(failure?.ErrorMessage, 'Rate exceeded for shard shardId-000000000000 in stream tp under account 000000000000.');
    // 1 MiB/s: two 600 KiB records back to back, the second refused.
    await k.send(new PutRecordCommand({ StreamName: 'tp', PartitionKey: 'p', Data: Buffer.alloc(600 * 1024) })).catch(() => undefined);
    const one = await rejection(k.send(new PutRecordCommand({ StreamName: 'tp', PartitionKey: 'p', Data: Buffer.alloc(600 * 1024) })));
    assert.equal(one.name, 'ProvisionedThroughputExceededException');

    const it = (await k.send(new GetShardIteratorCommand({ StreamName: 'tp', ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }))).ShardIterator!;
    const calls = await Promise.allSettled(Array.from({ length: 8 }, () => k.send(new GetRecordsCommand({ ShardIterator: it }))));
    const refused = calls.filter((c) => c.status === 'rejected').map((c) => (c as PromiseRejectedResult).reason as Error);
    assert.ok(refused.length >= 3, `8 calls at once: at most 5 served (refused ${refused.length})`);
    assert.equal(refused[0]!.name, 'ProvisionedThroughputExceededException');
  });

  it('an error per name: ResourceNotFound, ResourceInUse, InvalidArgument, Validation, LimitExceeded, ExpiredNextToken, refusals', async () => {
    // A ListShards token is valid 300 s (AWS); this one names a moment long past.
    const stale = Buffer.from(JSON.stringify({ s: 'orders', after: 'shardId-000000000000', at: Date.now() - 301_000 })).toString('base64url');
    const expired = await rejection(k.send(new ListShardsCommand({ NextToken: stale })));
    assert.equal(expired.name, 'ExpiredNextTokenException');
    const both = await rejection(k.send(new ListShardsCommand({ NextToken: stale, StreamName: 'orders' })));
    assert.equal(both.name, 'InvalidArgumentException');
    const nf = await rejection(k.send(new DescribeStreamCommand({ StreamName: 'missing' })));
    assert.deepEqual([nf.name, nf.message], ['ResourceNotFoundException', 'Stream missing under account 000000000000 not found.']);
    const other = await rejection(k.send(new DescribeStreamSummaryCommand({ StreamARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/orders' })));
    assert.equal(other.name, 'ResourceNotFoundException');
    const dup = await rejection(k.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 })));
    assert.deepEqual([dup.name, dup.message], ['ResourceInUseException', 'Stream orders under account 000000000000 already exists.']);
    const zero = await rejection(k.send(new CreateStreamCommand({ StreamName: 'z', ShardCount: 0 })));
    assert.deepEqual([zero.name, zero.message], ['ValidationException', "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1"]);
    const badName = await rejection(k.send(new CreateStreamCommand({ StreamName: 'bad name', ShardCount: 1 })));
    assert.equal(badName.name, 'ValidationException');
    const noCount = await rejection(k.send(new CreateStreamCommand({ StreamName: 'nc' })));
    assert.equal(noCount.name, 'InvalidArgumentException');
    const big = await rejection(k.send(new CreateStreamCommand({ StreamName: 'big', ShardCount: 501 })));
    assert.equal(big.name, 'LimitExceededException');
    const hashKey = await rejection(k.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'p', ExplicitHashKey: (1n << 128n).toString(), Data: enc('x') })));
    assert.equal(hashKey.name, 'InvalidArgumentException');
    const tooBig = await rejection(k.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'p', Data: Buffer.alloc(1024 * 1024) })));
    assert.equal(tooBig.name, 'ValidationException');
    const badIt = await rejection(k.send(new GetRecordsCommand({ ShardIterator: 'AAAAAAAAAAAAAAAAAAAA' })));
    assert.equal(badIt.name, 'InvalidArgumentException');
    const wrongShard = await rejection(k.send(new GetShardIteratorCommand({ StreamName: 'orders', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '49000001000000000000000000000000000000000000000000000001' })));
    assert.match(wrongShard.message, /It encodes shardId-000000000001, while it was used in a call to a shard with shardId-000000000000/);
    const noShard = await rejection(k.send(new GetShardIteratorCommand({ StreamName: 'orders', ShardId: 'shardId-000000000099', ShardIteratorType: 'LATEST' })));
    assert.equal(noShard.name, 'ResourceNotFoundException');
    const limit = await rejection(k.send(new GetRecordsCommand({ ShardIterator: 'x', Limit: 10_001 })));
    assert.ok(['ValidationException', 'InvalidArgumentException'].includes(limit.name), limit.name);
    const efo = await rejection(k.send(new RegisterStreamConsumerCommand({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders', ConsumerName: 'c' })));
    assert.equal(efo.name, 'InvalidArgumentException');
    assert.match(efo.message, /Kumo does not support RegisterStreamConsumer/);
    const kms = await rejection(k.send(new StartStreamEncryptionCommand({ StreamName: 'orders', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' })));
    assert.match(kms.message, /Kumo does not support StartStreamEncryption/);
    const odReshard = await rejection(k.send(new UpdateShardCountCommand({ StreamName: 'ondemand', TargetShardCount: 5, ScalingType: 'UNIFORM_SCALING' })));
    assert.equal(odReshard.name, 'InvalidArgumentException');
  });

  it('DeleteStream: gone at once (ResourceNotFoundException after), EnforceConsumerDeletion accepted; a same-name stream starts empty', async () => {
    await k.send(new DeleteStreamCommand({ StreamName: 'it', EnforceConsumerDeletion: true }));
    assert.equal((await rejection(k.send(new DescribeStreamCommand({ StreamName: 'it' })))).name, 'ResourceNotFoundException');
    assert.equal((await rejection(k.send(new DeleteStreamCommand({ StreamName: 'it' })))).name, 'ResourceNotFoundException');
    await k.send(new CreateStreamCommand({ StreamName: 'it', ShardCount: 1 }));
    await waitActive(k, 'it');
    assert.deepEqual(await readShard(k, 'it', 'shardId-000000000000'), []);
  });
});
