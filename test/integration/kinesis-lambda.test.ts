import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, UpdateEventSourceMappingCommand,
  waitUntilFunctionActiveV2, type LambdaClient,
} from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateStreamCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeZip, projectRoot, role, startServer, testCreds, type RunningServer, workerPolicies } from './harness';
import { allLogLines, drainQueue, sleep } from './crash-helpers';
import { kinesisClient, waitActive } from './kinesis-helpers';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

/**
 * Kinesis → function through a stream event source mapping (issue 14), on
 * the real server: real streams (Kinesis API), real mappings (Lambda API),
 * real functions in runc, the OnFailure destination a real SQS queue. Run on
 * SQLite and on PostgreSQL (KUMO_DATABASE_URL).
 */
const ACCOUNT = '000000000000';

/** Logs `REC <json>` per record of each batch (shard, sequence, key, data) and throws when a record's data starts with "fail". */
const fCode = `exports.handler = async (event) => {
  for (const r of event.Records) {
    const data = Buffer.from(r.kinesis.data, 'base64').toString();
    console.log('REC ' + JSON.stringify({ shard: r.eventID.split(':')[0], seq: r.kinesis.sequenceNumber, key: r.kinesis.partitionKey, data }));
  }
  if (event.Records.length) console.log('SHAPE ' + JSON.stringify(event.Records[0]));
  if (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString().startsWith('fail'))) throw new Error('failing batch');
  return {};
};`;

interface Rec { shard: string; seq: string; key: string; data: string }

/** The function's log lines; none while its group does not exist yet (before the first invoke). */
export async function linesOf(logs: CloudWatchLogsClient, fn: string): Promise<string[]> {
  return allLogLines(logs, fn).catch((e: Error) => {
    if (e.name === 'ResourceNotFoundException') return [];
    throw e;
  });
}

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 600)}`);
    await sleep(250);
  }
}

async function rejects(p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

async function coreMappingTest(s: RunningServer, checkpointsOf: (uuid: string) => Promise<number>): Promise<void> {
  const lambda: LambdaClient = s.client;
  const opts = { endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 };
  const k: KinesisClient = kinesisClient(s);
  const sqs = new SQSClient(opts);
  const logs = new CloudWatchLogsClient(opts);
  try {
    await k.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 2 }));
    await waitActive(k, 'orders');
    const streamArn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/orders`;
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'orders-failed' }));
    const dlqArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:orders-failed`;
    await lambda.send(new CreateFunctionCommand({
      FunctionName: 'F', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 5, Code: { ZipFile: await makeZip({ 'index.js': fCode }) },
    }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'F' });

    // AWS's answers to bad requests (texts recorded against AWS).
    await rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'F', EventSourceArn: streamArn })), 'ValidationException',
      "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
    await rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'F', EventSourceArn: streamArn, StartingPosition: 'invalid' as 'LATEST' })), 'ValidationException',
      "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]");
    await rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'F', EventSourceArn: `${streamArn}-missing`, StartingPosition: 'LATEST' })), 'InvalidParameterValueException',
      `Stream not found: ${streamArn}-missing`);
    await rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'F', EventSourceArn: dlqArn, StartingPosition: 'LATEST' })), 'InvalidParameterValueException',
      'Unsupported StartingPosition parameter for given event source mapping type.');

    const created = await lambda.send(new CreateEventSourceMappingCommand({
      FunctionName: 'F', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 5, MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: dlqArn } },
    }));
    const { $metadata: _m, ...shape } = created;
    assert.deepEqual(
      { ...shape, UUID: 'u', EventSourceMappingArn: 'a', LastModified: 0 },
      {
        UUID: 'u', EventSourceMappingArn: 'a', LastModified: 0, BatchSize: 5, BisectBatchOnFunctionError: false, DestinationConfig: { OnFailure: { Destination: dlqArn } },
        EventSourceArn: streamArn, FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:F`, FunctionResponseTypes: [], LastProcessingResult: 'No records processed',
        MaximumBatchingWindowInSeconds: 0, MaximumRecordAgeInSeconds: -1, MaximumRetryAttempts: 1, ParallelizationFactor: 1, StartingPosition: 'TRIM_HORIZON',
        State: 'Creating', StateTransitionReason: 'User action', TumblingWindowInSeconds: 0,
      },
      'the fields AWS returns for a Kinesis mapping',
    );
    const uuid = created.UUID!;

    const records = Array.from({ length: 40 }, (_, i) => ({ PartitionKey: `customer-${i % 6}`, Data: Buffer.from(i === 13 ? `fail-${i}` : `order-${i}`) }));
    const put = await k.send(new PutRecordsCommand({ StreamName: 'orders', Records: records }));
    assert.equal(put.FailedRecordCount, 0);
    const seqOf = new Map(put.Records!.map((r, i) => [records[i]!.Data.toString(), { shard: r.ShardId!, seq: r.SequenceNumber! }]));

    const recLines = async () => (await linesOf(logs, 'F')).map((l) => /REC (\{.*\})/.exec(l)?.[1]).filter((x): x is string => !!x).map((x) => JSON.parse(x) as Rec);
    const seen = await until('every record', recLines, (v) => records.every((r) => v.some((x) => x.data === r.Data.toString())));
    // Per shard, in put order (a failed batch is retried once, then the shard moves on).
    for (const shard of new Set(put.Records!.map((r) => r.ShardId!))) {
      const expected = put.Records!.filter((r) => r.ShardId === shard).map((r) => r.SequenceNumber!);
      const got = seen.filter((x) => x.shard === shard).map((x) => x.seq);
      const firsts = got.filter((x, i) => got.indexOf(x) === i);
      assert.deepEqual(firsts, expected, `${shard}: every record, in order`);
    }
    const shapeLine = (await linesOf(logs, 'F')).map((l) => /SHAPE (\{.*\})/.exec(l)?.[1]).find((x) => x)!;
    const ev = JSON.parse(shapeLine);
    assert.deepEqual(Object.keys(ev).sort(), ['awsRegion', 'eventID', 'eventName', 'eventSource', 'eventSourceARN', 'eventVersion', 'invokeIdentityArn', 'kinesis']);
    assert.equal(ev.invokeIdentityArn, role);
    assert.equal(ev.eventSourceARN, streamArn);

    // The failing batch: tried twice (MaximumRetryAttempts 1), then its location went to the queue.
    const failing = seqOf.get('fail-13')!;
    const attempts = seen.filter((x) => x.data === 'fail-13').length;
    assert.equal(attempts, 2, 'one invoke and one retry');
    const msgs = await until('the OnFailure record', () => drainQueue(sqs, dlq.QueueUrl!), (m) => m.length > 0);
    assert.equal(msgs.length, 1);
    const body = JSON.parse(msgs[0]!.Body!);
    assert.equal(body.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(body.requestContext.approximateInvokeCount, 2);
    assert.equal(body.requestContext.functionArn, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:F`);
    assert.deepEqual(body.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(body.version, '1.0');
    assert.equal(body.KinesisBatchInfo.shardId, failing.shard);
    assert.equal(body.KinesisBatchInfo.streamArn, streamArn);
    assert.ok(body.KinesisBatchInfo.startSequenceNumber <= failing.seq && failing.seq <= body.KinesisBatchInfo.endSequenceNumber);

    const got = await until('Enabled and OK', () => lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })), (m) => m.State === 'Enabled');
    assert.match(got.LastProcessingResult!, /^(OK|PROBLEM: Function call failed)$/);
    assert.equal(await checkpointsOf(uuid), 2, 'a checkpoint per shard');

    // `kumo event-sources` shows the mapping with the IteratorAge the pollers keep.
    const cli = await promisify(execFile)(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli', 'main.js'), 'event-sources', '--json', '--endpoint', s.endpoint], {
      env: { PATH: process.env.PATH ?? '', AWS_ACCESS_KEY_ID: testCreds.accessKeyId, AWS_SECRET_ACCESS_KEY: testCreds.secretAccessKey, AWS_REGION: 'us-east-1', HOME: '/nonexistent' },
    });
    const listed = (JSON.parse(cli.stdout) as { UUID: string; IteratorAgeMilliseconds?: number | null; StartingPosition?: string }[]).find((m) => m.UUID === uuid)!;
    assert.equal(typeof listed.IteratorAgeMilliseconds, 'number', cli.stdout);
    assert.ok(listed.IteratorAgeMilliseconds! >= 0 && listed.IteratorAgeMilliseconds! < 120_000);
    assert.equal(listed.StartingPosition, 'TRIM_HORIZON');
    const tableOut = await promisify(execFile)(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli', 'main.js'), 'event-sources', '--endpoint', s.endpoint], {
      env: { PATH: process.env.PATH ?? '', AWS_ACCESS_KEY_ID: testCreds.accessKeyId, AWS_SECRET_ACCESS_KEY: testCreds.secretAccessKey, AWS_REGION: 'us-east-1', HOME: '/nonexistent' },
    });
    assert.match(tableOut.stdout, /ITERATOR AGE/);
    assert.match(tableOut.stdout, new RegExp(`${uuid}\\s+Enabled\\s+F\\s+stream/orders\\s+5\\s+\\d`));

    const upd = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ParallelizationFactor: 4, BisectBatchOnFunctionError: true, DestinationConfig: { OnFailure: { Destination: '' } } }));
    assert.equal(upd.ParallelizationFactor, 4);
    assert.equal(upd.BisectBatchOnFunctionError, true);
    assert.deepEqual(upd.DestinationConfig, { OnFailure: {} });
    assert.equal(upd.StartingPosition, 'TRIM_HORIZON');
    await rejects(lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ScalingConfig: { MaximumConcurrency: 5 } })), 'InvalidParameterValueException',
      'Unsupported ScalingConfig parameter for given event source mapping type.');

    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    await until('deleted', async () => lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })).then(() => 'there', (e: Error) => e.name), (v) => v === 'ResourceNotFoundException');
    assert.equal(await checkpointsOf(uuid), 0, 'DeleteEventSourceMapping deletes the checkpoints');
  } finally {
    k.destroy();
    sqs.destroy();
    logs.destroy();
  }
}

describe('Kinesis → function through a stream event source mapping', () => {
  let pgServer: ThrowawayPostgres | undefined;
  after(() => pgServer?.stop());

  it('SQLite: validation, shape, order per shard, retries then OnFailure, checkpoints, delete', { timeout: 180_000 }, async () => {
    const s = await startServer({ grant: workerPolicies });
    try {
      const Database = (await import('better-sqlite3')).default;
      await coreMappingTest(s, async (uuid) => {
        const db = new Database(path.join(s.dataDir, 'kumo.db'), { readonly: true, fileMustExist: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM kin_checkpoints WHERE mapping_id = ?').get(uuid) as { n: number }).n;
        } finally {
          db.close();
        }
      });
    } finally {
      await s.stop();
    }
  });

  it('PostgreSQL: the same', { timeout: 240_000 }, async () => {
    pgServer = await startPostgres();
    const url = await pgServer.createDatabase('kumo');
    const pg = (await import('pg')).default;
    const s = await startServer({ grant: workerPolicies, env: { KUMO_DATABASE_URL: url } });
    try {
      await coreMappingTest(s, async (uuid) => {
        const db = new pg.Client({ connectionString: url });
        await db.connect();
        try {
          return Number((await db.query('SELECT COUNT(*) AS n FROM kin_checkpoints WHERE mapping_id = $1', [uuid])).rows[0].n);
        } finally {
          await db.end();
        }
      });
    } finally {
      await s.stop();
    }
  });
});
