import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, GetEventSourceMappingCommand, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateStreamCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { makeZip, role, startServer, testCreds, type RunningServer, workerPolicies } from './harness';
import { allLogLines, sleep } from './crash-helpers';
import { kinesisClient, waitActive } from './kinesis-helpers';

/**
 * TumblingWindowInSeconds on a Kinesis mapping (issue 14; AWS: "Using
 * tumbling windows with AWS Lambda functions"), on the real server with SDK
 * v3 clients and a real function in runc: the function is AWS's aggregating
 * example (counts records into `state`, answers `{state}`). One record per
 * invocation (BatchSize 1), so a window has several invocations; the server
 * is killed with `kill -9` in the middle of the window and the window
 * resumes with the stored state; the final invoke comes once it closed.
 */
const ACCOUNT = '000000000000';
const windowS = 30;

const fCode = `exports.handler = async (event) => {
  const count = (event.state.count || 0) + event.Records.length;
  console.log('WIN ' + JSON.stringify({
    window: event.window, state: event.state, final: event.isFinalInvokeForWindow, early: event.isWindowTerminatedEarly,
    shardId: event.shardId, arn: event.eventSourceARN, keys: Object.keys(event).sort(),
    data: event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()),
    arrival: event.Records.map((r) => r.kinesis.approximateArrivalTimestamp),
  }));
  return { state: { count } };
};`;

interface Win {
  window: { start: string; end: string }; state: { count?: number }; final: boolean; early: boolean; shardId: string; arn: string; keys: string[]; data: string[]; arrival: number[];
}

function clients(s: RunningServer): { k: KinesisClient; logs: CloudWatchLogsClient } {
  return { k: kinesisClient(s), logs: new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 }) };
}

async function wins(logs: CloudWatchLogsClient): Promise<Win[]> {
  const lines = await allLogLines(logs, 'Agg').catch((e: Error) => (e.name === 'ResourceNotFoundException' ? [] : Promise.reject(e)));
  return lines.map((l) => /WIN (\{.*\})/.exec(l)?.[1]).filter((x): x is string => !!x).map((x) => JSON.parse(x) as Win);
}

async function until(what: string, logs: CloudWatchLogsClient, ok: (w: Win[]) => boolean, timeoutMs = 90_000): Promise<Win[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const w = await wins(logs);
    if (ok(w)) return w;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(w).slice(0, 800)}`);
    await sleep(300);
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('Kinesis tumbling windows (issue 14)', () => {
  it(`SQLite: ${windowS}-s windows, state across invocations and across kill -9, the final invoke once the window closed`, { timeout: 240_000 }, async () => {
    let s = await startServer({ grant: workerPolicies });
    let c = clients(s);
    const streamArn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/W`;
    try {
      await c.k.send(new CreateStreamCommand({ StreamName: 'W', ShardCount: 1 }));
      await waitActive(c.k, 'W');
      await s.client.send(new CreateFunctionCommand({
        FunctionName: 'Agg', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 5, Code: { ZipFile: await makeZip({ 'index.js': fCode }) },
      }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'Agg' });
      await assert.rejects(s.client.send(new CreateEventSourceMappingCommand({
        FunctionName: 'Agg', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', TumblingWindowInSeconds: windowS, ParallelizationFactor: 2,
      })), (e: Error) => e.name === 'InvalidParameterValueException' && /ParallelizationFactor above 1 is not supported by this Kumo server yet/.test(e.message));
      await assert.rejects(s.client.send(new CreateEventSourceMappingCommand({
        FunctionName: 'Agg', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', TumblingWindowInSeconds: 901,
      })), (e: Error) => e.name === 'ValidationException' && /less than or equal to 900/.test(e.message));
      const m = await s.client.send(new CreateEventSourceMappingCommand({
        FunctionName: 'Agg', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 1, TumblingWindowInSeconds: windowS,
      }));
      assert.equal((await s.client.send(new GetEventSourceMappingCommand({ UUID: m.UUID! }))).TumblingWindowInSeconds, windowS);
      await assert.rejects(s.client.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID!, ParallelizationFactor: 3 })),
        (e: Error) => e.name === 'InvalidParameterValueException' && /ParallelizationFactor above 1/.test(e.message));

      // Start at the beginning of a window so the crash and restart fit in it.
      while (Date.now() % (windowS * 1000) > 2_000) await sleep(100);
      const startMs = Date.now() - (Date.now() % (windowS * 1000));
      await c.k.send(new PutRecordsCommand({ StreamName: 'W', Records: ['a', 'b', 'c'].map((d) => ({ PartitionKey: 'k', Data: Buffer.from(d) })) }));
      let w = await until('three invocations', c.logs, (x) => x.length >= 3);
      assert.deepEqual(w.map((x) => [x.data.join(), x.state.count ?? 0, x.final]), [['a', 0, false], ['b', 1, false], ['c', 2, false]], 'state passed from each invocation to the next');
      assert.deepEqual(w[0]!.state, {}, 'a window starts with {}');
      assert.deepEqual(w[0]!.window, { start: iso(startMs), end: iso(startMs + windowS * 1000) }, 'aligned to the arrival time');
      assert.equal(Math.floor(w[0]!.arrival[0]! * 1000 / (windowS * 1000)) * windowS * 1000, startMs);
      assert.deepEqual(w[0]!.keys, ['Records', 'eventSourceARN', 'isFinalInvokeForWindow', 'isWindowTerminatedEarly', 'shardId', 'state', 'window']);
      assert.equal(w[0]!.shardId, 'shardId-000000000000');
      assert.equal(w[0]!.arn, streamArn);

      await sleep(1_000); // the checkpoint (and the state with it) follows the log lines
      await s.kill9();
      c.k.destroy();
      c.logs.destroy();
      s = await startServer({ grant: workerPolicies, dataDir: s.dataDir });
      c = clients(s);
      const left = startMs + windowS * 1000 - Date.now();
      assert.ok(left > 2_000, `the restart took too long to stay within the window (${left} ms left): the machine is too slow for this test`);
      await c.k.send(new PutRecordsCommand({ StreamName: 'W', Records: [{ PartitionKey: 'k', Data: Buffer.from('d') }] }));
      w = await until('the final invoke', c.logs, (x) => x.some((y) => y.final), windowS * 1000 + 60_000);
      const after = w.slice(3);
      assert.deepEqual(after.map((x) => [x.data.join(), x.state.count ?? 0, x.final, x.early]), [['d', 3, false, false], ['', 4, true, false]],
        'after kill -9 the window resumed with the stored state; the final invoke has no records and the whole window\'s state');
      assert.ok(Date.now() >= startMs + windowS * 1000, 'the final invoke came after the window closed');
      assert.deepEqual(after[1]!.window, w[0]!.window);
      await sleep(2_000);
      assert.equal((await wins(c.logs)).length, 5, 'nothing after the final invoke');
    } catch (e) {
      console.log(s.output().slice(-4000));
      console.log(JSON.stringify(await s.client.send(new ListEventSourceMappingsCommand({}))));
      throw e;
    } finally {
      c.k.destroy();
      c.logs.destroy();
      await s.stop();
    }
  });
});
