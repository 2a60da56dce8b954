import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateStreamCommand, DescribeStreamCommand, PutRecordCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { makeZip, role, startServer, testCreds, workerPolicies } from './harness';
import { allLogLines, sleep } from './crash-helpers';
import { kinesisClient, waitActive } from './kinesis-helpers';

/**
 * Resharding under a stream mapping, on the real server: records of several
 * keys go to a one-shard stream, the shard is split while the mapping works
 * through it (the function is slow), more records follow into the children.
 * The function's log shows every record of the parent before any record of
 * a child, and each key's records in put order across the split.
 */
const fCode = `exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, 150));
  for (const r of event.Records) console.log('REC ' + JSON.stringify({ shard: r.eventID.split(':')[0], key: r.kinesis.partitionKey, data: Buffer.from(r.kinesis.data, 'base64').toString() }));
  return {};
};`;

describe('Kinesis mapping across a reshard', () => {
  it('processes a parent shard to its end before its children, keeping each key in order', { timeout: 180_000 }, async () => {
    const s = await startServer({ grant: workerPolicies });
    const k = kinesisClient(s);
    const logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      await k.send(new CreateStreamCommand({ StreamName: 'r', ShardCount: 1 }));
      await waitActive(k, 'r');
      await s.client.send(new CreateFunctionCommand({ FunctionName: 'F', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 5, Code: { ZipFile: await makeZip({ 'index.js': fCode }) } }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'F' });
      const keys = ['a', 'b', 'c', 'd', 'e'];
      const put = async (i: number) => k.send(new PutRecordCommand({ StreamName: 'r', PartitionKey: keys[i % keys.length]!, Data: Buffer.from(`${keys[i % keys.length]}-${i}`) }));
      for (let i = 0; i < 40; i++) await put(i);
      await s.client.send(new CreateEventSourceMappingCommand({ FunctionName: 'F', EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/r', StartingPosition: 'TRIM_HORIZON', BatchSize: 4 }));
      await sleep(1500); // the mapping is part-way through the parent (10 batches of 150 ms)
      await k.send(new SplitShardCommand({ StreamName: 'r', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
      await waitActive(k, 'r');
      for (let i = 40; i < 80; i++) await put(i);
      const shards = (await k.send(new DescribeStreamCommand({ StreamName: 'r' }))).StreamDescription!.Shards!;
      assert.equal(shards.length, 3);
      const recs = async () => (await allLogLines(logs, 'F').catch(() => [] as string[])).map((l) => /REC (\{.*\})/.exec(l)?.[1]).filter((x): x is string => !!x).map((x) => JSON.parse(x) as { shard: string; key: string; data: string });
      let seen: Awaited<ReturnType<typeof recs>> = [];
      const end = Date.now() + 90_000;
      while ((seen = await recs()).length < 80) {
        if (Date.now() > end) assert.fail(`only ${seen.length} of 80 records processed`);
        await sleep(300);
      }
      assert.equal(seen.length, 80, 'each record once (no failure, no restart)');
      const lastParent = seen.map((r) => r.shard).lastIndexOf('shardId-000000000000');
      const firstChild = seen.findIndex((r) => r.shard !== 'shardId-000000000000');
      assert.equal(lastParent, 39, 'the parent held the first 40 records');
      assert.ok(firstChild > lastParent, 'no child record before the parent was done');
      for (const key of keys) {
        const idx = seen.filter((r) => r.key === key).map((r) => Number(r.data.split('-')[1]));
        assert.deepEqual(idx, [...idx].sort((x, y) => x - y), `key ${key} in put order across the split`);
      }
    } finally {
      k.destroy();
      logs.destroy();
      await s.stop();
    }
  });
});
