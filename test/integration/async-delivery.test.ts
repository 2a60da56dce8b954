import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, DeleteFunctionCommand, DeleteFunctionEventInvokeConfigCommand, GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand, InvokeCommand, LambdaClient, ListFunctionEventInvokeConfigsCommand, PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand, UpdateFunctionConfigurationCommand, UpdateFunctionEventInvokeConfigCommand,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import pg from 'pg';
import { encode, makeZip, role, startServer, storedLogLines, testCreds, type RunningServer, workerPolicies } from './harness';
import { startPostgres } from '../postgres';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const queueArn = 'arn:aws:sqs:us-east-1:000000000000:failed-events';

/** A Node.js function that throws when its event says `fail`, sleeps `sleepMs`, and returns `{ok: n}`. */
async function deploySource(c: LambdaClient, name: string): Promise<void> {
  const code = await makeZip({
    'index.js': `exports.handler = async (e) => {
      if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs));
      if (e.fail) throw new Error('intentional failure ' + e.n);
      return { ok: e.n };
    };`,
  });
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code }, Timeout: 30 }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

/** A Python function that prints the event it received (one `GOT <json>` line), so its log shows each destination record. */
async function deployRecorder(c: LambdaClient, name: string): Promise<void> {
  const code = await makeZip({ 'app.py': 'import json\ndef handler(e, c):\n    print("GOT " + json.dumps(e))\n    return 1\n' });
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.11', Role: role, Handler: 'app.handler', Code: { ZipFile: code } }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

/** The records a recorder function received, waiting until `count` of them match `pred`. */
async function received(s: RunningServer, recorder: string, pred: (r: Record<string, any>) => boolean, count = 1, timeoutMs = 30_000): Promise<Record<string, any>[]> {
  const deadline = Date.now() + timeoutMs;
  let found: Record<string, any>[] = [];
  while (Date.now() < deadline) {
    const lines = await storedLogLines(s.dataDir, recorder);
    found = lines.map((l) => /GOT (\{.*\})$/.exec(l)?.[1]).filter((x): x is string => x !== undefined).map((x) => JSON.parse(x) as Record<string, any>).filter(pred);
    if (found.length >= count) return found;
    await sleep(200);
  }
  assert.fail(`${recorder} received ${found.length} matching records, expected ${count}`);
}

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { name: string }) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

describe('asynchronous invocation: event invoke configs, destinations, dead-letter queues (issue 12, item 4)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer({ grant: workerPolicies, env: { KUMO_ASYNC_RETRY_DELAYS_MS: '200,200' } });
    c = s.client;
    await deploySource(c, 'src');
    await deployRecorder(c, 'dest');
  });
  after(async () => {
    if (s.proc.exitCode === null) await s.stop();
  });

  it('Put/Get/Update/List/Delete as AWS answers them, with their errors', async () => {
    await rejects(c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'nope', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', "The function doesn't exist.");
    await rejects(c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src' })), 'InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.');
    await rejects(c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', MaximumRetryAttempts: 3 })), 'ValidationException', /Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2/);
    await rejects(c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', MaximumEventAgeInSeconds: 59 })), 'ValidationException', /maximumEventAgeInSeconds/);
    await rejects(c.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'src' })), 'ResourceNotFoundException', `The function ${arnOf('src')}:$LATEST doesn't have an EventInvokeConfig`);
    await rejects(
      c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', DestinationConfig: { OnSuccess: { Destination: arnOf('src') } } })),
      'InvalidParameterValueException', "You can't specify the function as a destination for itself.",
    );
    await rejects(
      c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', DestinationConfig: { OnSuccess: { Destination: arnOf('doesnotexist') } } })),
      'InvalidParameterValueException', `The destination ARN ${arnOf('doesnotexist')} is invalid.`,
    );
    const iam = 'arn:aws:iam:us-east-1:000000000000:function:src';
    await rejects(
      c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', DestinationConfig: { OnSuccess: { Destination: iam } } })),
      'InvalidParameterValueException', `The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=${iam}), onFailure=null) is invalid.`,
    );
    const bus = 'arn:aws:events:us-east-1:000000000000:event-bus/default';
    await rejects(
      c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', DestinationConfig: { OnFailure: { Destination: bus } } })),
      'InvalidParameterValueException', /EventBridge/,
    );
    await rejects(
      c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::bucket' } } })),
      'InvalidParameterValueException', /S3 bucket/,
    );
    await rejects(c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', Qualifier: '7', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', "The function doesn't exist.");

    const before = Date.now() / 1000;
    const put = await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'src', MaximumEventAgeInSeconds: 600 }));
    assert.equal(put.FunctionArn, `${arnOf('src')}:$LATEST`);
    assert.equal(put.MaximumEventAgeInSeconds, 600);
    assert.equal(put.MaximumRetryAttempts, undefined, 'a member not given is not returned');
    assert.deepEqual(put.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
    assert.ok(put.LastModified instanceof Date && put.LastModified.getTime() / 1000 >= before - 1, 'LastModified is a timestamp (epoch seconds on the wire)');
    // Update merges: the age stays, retries and a destination are added.
    const upd = await c.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'src', MaximumRetryAttempts: 1, DestinationConfig: { OnSuccess: { Destination: queueArn } } }));
    assert.equal(upd.MaximumEventAgeInSeconds, 600);
    assert.equal(upd.MaximumRetryAttempts, 1);
    assert.deepEqual(upd.DestinationConfig, { OnSuccess: { Destination: queueArn }, OnFailure: {} });
    const got = await c.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'src', Qualifier: '$LATEST' }));
    assert.deepEqual({ ...got, $metadata: undefined }, { ...upd, $metadata: undefined });
    // Put replaces the whole config.
    const replaced = await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `${arnOf('src')}:$LATEST`, MaximumRetryAttempts: 0 }));
    assert.equal(replaced.MaximumEventAgeInSeconds, undefined);
    assert.deepEqual(replaced.DestinationConfig, { OnSuccess: {}, OnFailure: {} });

    // Per qualifier: a version and an alias have configs of their own.
    const v = await c.send(new PublishVersionCommand({ FunctionName: 'src' }));
    await rejects(c.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'src', Qualifier: v.Version })), 'ResourceNotFoundException', `The function ${arnOf('src')}:${v.Version} doesn't have an EventInvokeConfig`);
    const pv = await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `src:${v.Version}`, MaximumRetryAttempts: 2 }));
    assert.equal(pv.FunctionArn, `${arnOf('src')}:${v.Version}`);
    await rejects(c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `src:${v.Version}`, Qualifier: '$LATEST', MaximumRetryAttempts: 1 })), 'InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
    const page1 = await c.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'src', MaxItems: 1 }));
    assert.deepEqual(page1.FunctionEventInvokeConfigs!.map((x) => x.FunctionArn), [`${arnOf('src')}:$LATEST`]);
    assert.ok(page1.NextMarker);
    const page2 = await c.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'src', Marker: page1.NextMarker }));
    assert.deepEqual(page2.FunctionEventInvokeConfigs!.map((x) => x.FunctionArn), [`${arnOf('src')}:${v.Version}`]);
    assert.equal(page2.NextMarker, undefined);
    await rejects(c.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', "The function doesn't exist.");
    await rejects(c.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'nope', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', "The function doesn't exist.");
    await rejects(c.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'dest', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', `The function ${arnOf('dest')}:$LATEST doesn't have an EventInvokeConfig`);

    await c.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'src', Qualifier: v.Version }));
    await rejects(c.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'src', Qualifier: v.Version })), 'ResourceNotFoundException', `The function ${arnOf('src')}:${v.Version} doesn't have an EventInvokeConfig`);
    await c.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'src' }));
    assert.deepEqual((await c.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'src' }))).FunctionEventInvokeConfigs, []);
  });

  it('deleting a function deletes its configs', async () => {
    await deploySource(c, 'short-lived');
    await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'short-lived', MaximumRetryAttempts: 1 }));
    await c.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
    await deploySource(c, 'short-lived');
    await rejects(c.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'short-lived' })), 'ResourceNotFoundException', /doesn't have an EventInvokeConfig/);
    await c.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
  });

  it('DeadLetterConfig: an SQS or SNS TargetArn is stored, returned, snapshotted by versions, and cleared by an empty one', async () => {
    const code = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    const created = await c.send(new CreateFunctionCommand({ FunctionName: 'with-dlq', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code }, DeadLetterConfig: { TargetArn: queueArn } }));
    assert.deepEqual(created.DeadLetterConfig, { TargetArn: queueArn });
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'with-dlq' });
    const v1 = await c.send(new PublishVersionCommand({ FunctionName: 'with-dlq' }));
    assert.deepEqual(v1.DeadLetterConfig, { TargetArn: queueArn });
    const topic = 'arn:aws:sns:us-east-1:000000000000:failures';
    const u = await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-dlq', DeadLetterConfig: { TargetArn: topic } }));
    assert.deepEqual(u.DeadLetterConfig, { TargetArn: topic });
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'with-dlq' });
    await rejects(
      c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-dlq', DeadLetterConfig: { TargetArn: 'arn:aws:iam::000000000000:role/x' } })),
      'InvalidParameterValueException', /SQS queue or an SNS topic/,
    );
    assert.deepEqual((await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'with-dlq', Qualifier: v1.Version }))).DeadLetterConfig, { TargetArn: queueArn }, 'the version keeps its snapshot');
    const cleared = await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-dlq', DeadLetterConfig: {} }));
    assert.equal(cleared.DeadLetterConfig, undefined);
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'with-dlq' });
  });

  it('OnSuccess and OnFailure destinations receive AWS\'s invocation record (another function here)', async () => {
    await c.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'src', MaximumRetryAttempts: 0,
      DestinationConfig: { OnSuccess: { Destination: arnOf('dest') }, OnFailure: { Destination: arnOf('dest') } },
    }));
    const ok = await c.send(new InvokeCommand({ FunctionName: 'src', InvocationType: 'Event', Payload: encode({ n: 1 }) }));
    const bad = await c.send(new InvokeCommand({ FunctionName: 'src', InvocationType: 'Event', Payload: encode({ n: 2, fail: true }) }));
    const [success] = await received(s, 'dest', (r) => r.requestContext?.requestId === ok.$metadata.requestId);
    assert.equal(success!.version, '1.0');
    assert.ok(!Number.isNaN(Date.parse(success!.timestamp)));
    assert.deepEqual(success!.requestContext, { requestId: ok.$metadata.requestId, functionArn: `${arnOf('src')}:$LATEST`, condition: 'Success', approximateInvokeCount: 1 });
    assert.deepEqual(success!.requestPayload, { n: 1 });
    assert.deepEqual(success!.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
    assert.deepEqual(success!.responsePayload, { ok: 1 });
    assert.deepEqual(Object.keys(success!), ['version', 'timestamp', 'requestContext', 'requestPayload', 'responseContext', 'responsePayload']);
    const [failure] = await received(s, 'dest', (r) => r.requestContext?.requestId === bad.$metadata.requestId);
    assert.deepEqual(failure!.requestContext, { requestId: bad.$metadata.requestId, functionArn: `${arnOf('src')}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 });
    assert.deepEqual(failure!.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(failure!.responsePayload.errorMessage, 'intentional failure 2');
    assert.equal(failure!.responsePayload.errorType, 'Error');
    await c.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'src' }));
  });

  it('MaximumRetryAttempts 0 runs a failing event once, the default (2) three times, each attempt numbered in the log', async () => {
    await deploySource(c, 'fail0');
    await deploySource(c, 'fail2');
    await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fail0', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: arnOf('dest') } } }));
    await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fail2', DestinationConfig: { OnFailure: { Destination: arnOf('dest') } } }));
    const r0 = await c.send(new InvokeCommand({ FunctionName: 'fail0', InvocationType: 'Event', Payload: encode({ n: 0, fail: true }) }));
    const r2 = await c.send(new InvokeCommand({ FunctionName: 'fail2', InvocationType: 'Event', Payload: encode({ n: 2, fail: true }) }));
    const [rec0] = await received(s, 'dest', (r) => r.requestContext?.requestId === r0.$metadata.requestId);
    const [rec2] = await received(s, 'dest', (r) => r.requestContext?.requestId === r2.$metadata.requestId);
    assert.equal(rec0!.requestContext.approximateInvokeCount, 1);
    assert.equal(rec2!.requestContext.approximateInvokeCount, 3);
    assert.equal(rec2!.requestContext.condition, 'RetriesExhausted');
    const starts = (lines: string[], id: string) => lines.filter((l) => l === `START RequestId: ${id} Version: $LATEST`).length;
    const l0 = await storedLogLines(s.dataDir, 'fail0');
    const l2 = await storedLogLines(s.dataDir, 'fail2');
    assert.equal(starts(l0, r0.$metadata.requestId!), 1);
    assert.equal(starts(l2, r2.$metadata.requestId!), 3);
    assert.deepEqual(l0.filter((l) => l.startsWith('ASYNC_ATTEMPT')), [`ASYNC_ATTEMPT RequestId: ${r0.$metadata.requestId}\tAttempt: 1 of 1`]);
    assert.deepEqual(l2.filter((l) => l.startsWith('ASYNC_ATTEMPT')), [1, 2, 3].map((n) => `ASYNC_ATTEMPT RequestId: ${r2.$metadata.requestId}\tAttempt: ${n} of 3`));
  });

  it('an event without destinations whose retries are exhausted is logged as dropped; a failing destination never stops the queue', async () => {
    await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fail0', MaximumRetryAttempts: 0, DestinationConfig: {} }));
    const r = await c.send(new InvokeCommand({ FunctionName: 'fail0', InvocationType: 'Event', Payload: encode({ n: 5, fail: true }) }));
    const deadline = Date.now() + 20_000;
    let lines: string[] = [];
    while (Date.now() < deadline) {
      lines = await storedLogLines(s.dataDir, 'fail0');
      if (lines.some((l) => l.startsWith(`Event ${r.$metadata.requestId} dropped after 1 attempt(s)`))) break;
      await sleep(200);
    }
    assert.ok(lines.some((l) => l.startsWith(`Event ${r.$metadata.requestId} dropped after 1 attempt(s): RetriesExhausted`)), lines.slice(-5).join('\n'));
    // A DLQ whose sink is absent on this server (SQS is built separately): logged as a failed delivery, the queue goes on.
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fail0', DeadLetterConfig: { TargetArn: queueArn } }));
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'fail0' });
    const r2 = await c.send(new InvokeCommand({ FunctionName: 'fail0', InvocationType: 'Event', Payload: encode({ n: 6, fail: true }) }));
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      lines = await storedLogLines(s.dataDir, 'fail0');
      if (lines.some((l) => l.startsWith(`ASYNC_DELIVERY_FAILED RequestId: ${r2.$metadata.requestId}\tTarget: ${queueArn}\tTries: 3`))) break;
      await sleep(200);
    }
    assert.ok(lines.some((l) => l.startsWith(`ASYNC_DELIVERY_FAILED RequestId: ${r2.$metadata.requestId}\tTarget: ${queueArn}\tTries: 3`)), lines.slice(-5).join('\n'));
    const ok = await c.send(new InvokeCommand({ FunctionName: 'src', InvocationType: 'Event', Payload: encode({ n: 9 }) }));
    const after = Date.now() + 20_000;
    while (Date.now() < after && !(await storedLogLines(s.dataDir, 'src')).some((l) => l.startsWith(`END RequestId: ${ok.$metadata.requestId}`))) await sleep(200);
    assert.ok((await storedLogLines(s.dataDir, 'src')).some((l) => l.startsWith(`END RequestId: ${ok.$metadata.requestId}`)), 'the queue still runs events');
  });
});

describe('asynchronous invocation with long retry delays: maximum event age, and a crash mid-delivery', () => {
  it('MaximumEventAgeInSeconds: a retry that would run after the maximum age is not made (EventAgeExceeded); kill -9 mid-delivery still delivers after the restart', async () => {
    const env = { KUMO_ASYNC_RETRY_DELAYS_MS: '70000,70000' };
    let s = await startServer({ grant: workerPolicies, env });
    try {
      await deploySource(s.client, 'aged');
      await deployRecorder(s.client, 'dest');
      await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'aged', MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: arnOf('dest') }, OnSuccess: { Destination: arnOf('dest') } } }));
      const r = await s.client.send(new InvokeCommand({ FunctionName: 'aged', InvocationType: 'Event', Payload: encode({ n: 1, fail: true }) }));
      const [rec] = await received(s, 'dest', (x) => x.requestContext?.requestId === r.$metadata.requestId);
      assert.equal(rec!.requestContext.condition, 'EventAgeExceeded');
      assert.equal(rec!.requestContext.approximateInvokeCount, 1);

      // Crash while the event runs: it was acknowledged (202), so after the restart it runs again and its record arrives.
      const slow = await s.client.send(new InvokeCommand({ FunctionName: 'aged', InvocationType: 'Event', Payload: encode({ n: 2, sleepMs: 3000 }) }));
      const id = slow.$metadata.requestId!;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !(await storedLogLines(s.dataDir, 'aged')).includes(`START RequestId: ${id} Version: $LATEST`)) await sleep(50);
      await s.kill9();
      assert.equal((await storedLogLines(s.dataDir, 'dest')).filter((l) => l.includes(id)).length, 0, 'the record was sent before the crash: the test would not exercise recovery');
      s = await startServer({ grant: workerPolicies, dataDir: s.dataDir, env });
      const [done] = await received(s, 'dest', (x) => x.requestContext?.requestId === id);
      assert.equal(done!.requestContext.condition, 'Success');
      assert.deepEqual(done!.responsePayload, { ok: 2 });
    } finally {
      if (s.proc.exitCode === null && s.proc.signalCode === null) await s.stop();
    }
  });
});

describe('asynchronous invocation on PostgreSQL (KUMO_DATABASE_URL)', () => {
  it('configs are rows in PostgreSQL; an OnFailure destination receives the record; DeleteFunction removes the configs', async () => {
    const pgServer = await startPostgres();
    const url = await pgServer.createDatabase('kumo');
    const s = await startServer({ grant: workerPolicies, env: { KUMO_DATABASE_URL: url, KUMO_ASYNC_RETRY_DELAYS_MS: '200,200' } });
    const logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await deploySource(s.client, 'pgsrc');
      await deployRecorder(s.client, 'pgdest');
      await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'pgsrc', MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: arnOf('pgdest') } } }));
      const rows = await db.query<{ qualifier: string }>("SELECT qualifier FROM event_invoke_configs WHERE function_name = 'pgsrc'");
      assert.deepEqual(rows.rows.map((r) => r.qualifier), ['$LATEST']);
      const r = await s.client.send(new InvokeCommand({ FunctionName: 'pgsrc', InvocationType: 'Event', Payload: encode({ n: 3, fail: true }) }));
      const deadline = Date.now() + 30_000;
      let rec: Record<string, any> | undefined;
      while (!rec && Date.now() < deadline) {
        const ev = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/pgdest' })).catch(() => ({ events: [] }));
        rec = (ev.events ?? []).map((e) => /GOT (\{.*\})$/.exec(e.message ?? '')?.[1]).filter((x): x is string => x !== undefined)
          .map((x) => JSON.parse(x) as Record<string, any>).find((x) => x.requestContext?.requestId === r.$metadata.requestId);
        if (!rec) await sleep(200);
      }
      assert.ok(rec, 'the destination did not receive the record');
      assert.equal(rec.requestContext.condition, 'RetriesExhausted');
      assert.equal(rec.requestContext.approximateInvokeCount, 2);
      await s.client.send(new DeleteFunctionCommand({ FunctionName: 'pgsrc' }));
      assert.equal((await db.query("SELECT 1 FROM event_invoke_configs WHERE function_name = 'pgsrc'")).rowCount, 0);
    } finally {
      await db.end();
      logs.destroy();
      await s.stop();
      pgServer.stop();
    }
  });
});
