import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetEventSourceMappingCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { DescribeStreamSummaryCommand, KinesisClient, ListTagsForStreamCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { projectRoot, testCreds, type RunningServer } from '../integration/harness';
import { kumo, ok, tmpDir, withServer } from './helpers';

/**
 * `kumo deploy` of test/fixtures/kinesis-app (an AWS::Kinesis::Stream, a
 * function with a `Type: Kinesis` event and an OnFailure queue) against the
 * real server; records put on the stream reach the function, a failing one
 * ends in the queue; a changed template updates the stream and the mapping in
 * place; `kumo event-sources` lists the mapping.
 */
const fixture = path.join(projectRoot, 'test', 'fixtures', 'kinesis-app');
const stack = 'kinesis-app';
const fn = `${stack}-Counter`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('kumo deploy: AWS::Kinesis::Stream and Kinesis events', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  let k: KinesisClient;
  let sqs: SQSClient;
  withServer((srv, e) => {
    s = srv;
    env = e;
    k = new KinesisClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds });
    sqs = new SQSClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds });
  });

  it('deploys the stream and the mapping, records reach the function, a failing one the OnFailure queue; an update applies in place', { timeout: 240_000 }, async () => {
    const dir = path.join(tmpDir('kinesis'), stack);
    fs.cpSync(fixture, dir, { recursive: true });
    const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    for (const [id, type] of [['Clicks', 'AWS::Kinesis::Stream'], ['Counter', 'AWS::Serverless::Function'], ['CounterFromClicks', 'AWS::Lambda::EventSourceMapping']]) {
      assert.match(r.stdout, new RegExp(`\\+ create\\s+${id}\\s+${type}`), `${id}\n${r.stdout}`);
    }
    assert.doesNotMatch(r.stdout, /not wired/);
    const streamName = `${stack}-Clicks`;
    const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`;
    assert.match(r.stdout, new RegExp(`StreamArn = ${streamArn.replace(/[/.]/g, '\\$&')}\\n`));
    const sum = (await k.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary!;
    assert.equal(sum.OpenShardCount, 2);
    assert.equal(sum.RetentionPeriodHours, 48);
    assert.equal((await k.send(new ListTagsForStreamCommand({ StreamName: streamName }))).Tags?.find((t) => t.Key === 'team')?.Value, 'kumo');
    const [m] = (await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: fn }))).EventSourceMappings ?? [];
    assert.equal(m?.EventSourceArn, streamArn);
    assert.equal(m?.StartingPosition, 'TRIM_HORIZON');
    assert.equal(m?.BatchSize, 10);
    assert.equal(m?.ParallelizationFactor, 2);
    assert.equal(m?.MaximumRetryAttempts, 1);
    assert.equal(m?.DestinationConfig?.OnFailure?.Destination, `arn:aws:sqs:us-east-1:000000000000:${stack}-Failed`);

    await k.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: 'user-1', Data: Buffer.from('click-1') }));
    await k.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: 'user-2', Data: Buffer.from('poison-2') }));
    await until('click-1 in the logs', async () => ((await kumo(['logs', fn], { env })).stdout.includes('click-1') ? true : undefined));
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: `${stack}-Failed` }))).QueueUrl!;
    const failed = await until('the OnFailure record', async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }))).Messages?.[0]);
    const body = JSON.parse(failed.Body!);
    assert.equal(body.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(body.KinesisBatchInfo.streamArn, streamArn);

    const listed = await ok(['event-sources'], { env });
    assert.match(listed.stdout, new RegExp(`${m!.UUID}\\s+Enabled\\s+${fn}\\s+stream/${streamName}\\s+10\\s`));

    // Unchanged: nothing to do. Changed: the stream reshards and the mapping updates in place (same UUID).
    assert.match((await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 })).stdout, /= unchanged\s+CounterFromClicks/);
    const tpl = path.join(dir, 'template.yaml');
    fs.writeFileSync(tpl, fs.readFileSync(tpl, 'utf8').replace('ShardCount: 2', 'ShardCount: 3').replace('BatchSize: 10', 'BatchSize: 25'));
    const u = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(u.stdout, /updated stream kinesis-app-Clicks \(ShardCount\)/);
    assert.match(u.stdout, /updated event source mapping [0-9a-f-]{36} \(BatchSize\)/);
    assert.equal((await k.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary!.OpenShardCount, 3);
    const after = await s.client.send(new GetEventSourceMappingCommand({ UUID: m!.UUID }));
    assert.equal(after.BatchSize, 25);
    assert.equal(after.StartingPosition, 'TRIM_HORIZON');
  });
});
