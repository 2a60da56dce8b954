import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, DeleteFunctionConcurrencyCommand, GetEventSourceMappingCommand, LambdaClient,
  InvokeCommand, PutFunctionConcurrencyCommand, UpdateEventSourceMappingCommand, waitUntilFunctionActiveV2, type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { makeZip, role, startServer, storedLogLines, type RunningServer, workerPolicies } from './harness';
import { sqsClient } from './sqs-helpers';

/**
 * Queue → function end to end (issue 12, item 3) through the real server:
 * real queues (SQS API, @aws-sdk/client-sqs), real event source mappings
 * (Lambda API), real functions in runc. Timeouts are small (visibility 2–3 s,
 * function timeout 1–2 s) so the whole file stays within seconds.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

/**
 * A Node.js function that logs each event as one `EVENT <json>` line (with its
 * start and end times; `{holdMs}` from a direct invoke just sleeps) and fails on records whose body contains "fail" (and
 * on "flaky" ones the first time): it throws, or with PARTIAL=1 answers them
 * as batchItemFailures.
 */
const consumerCode = `exports.handler = async (event) => {
  const t0 = Date.now();
  const sleepMs = event.holdMs ?? Number(process.env.SLEEP_MS ?? 0);
  if (sleepMs) await new Promise((r) => setTimeout(r, sleepMs));
  if (!event.Records) return 'held';
  console.log('EVENT ' + JSON.stringify({ t0, t1: Date.now(), event }));
  const failing = event.Records.filter((r) => r.body.includes('fail') || (r.body.includes('flaky') && r.attributes.ApproximateReceiveCount === '1'));
  if (failing.length && process.env.PARTIAL !== '1') throw new Error('failing ' + failing.map((r) => r.body).join(','));
  return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
};`;

interface Logged { t0: number; t1: number; event: { Records: Record<string, any>[] } }

async function deploy(c: LambdaClient, name: string, o: { timeoutS: number; env?: Record<string, string> }): Promise<void> {
  await c.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: o.timeoutS,
    Code: { ZipFile: await makeZip({ 'index.js': consumerCode }) }, Environment: { Variables: o.env ?? {} },
  }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

/** The events a function logged so far. */
async function events(s: RunningServer, fn: string): Promise<Logged[]> {
  return (await storedLogLines(s.dataDir, fn))
    .map((l) => /EVENT (\{.*\})\s*$/.exec(l)?.[1]).filter((x): x is string => x !== undefined).map((x) => JSON.parse(x) as Logged);
}

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 800)}`);
    await sleep(100);
  }
}

const bodiesOf = (logged: Logged[]) => logged.flatMap((l) => l.event.Records.map((r) => r.body as string));

describe('queue → function through event source mappings (real queues, real functions)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let sqs: SQSClient;
  const queue = async (name: string, attrs: Record<string, string> = {}) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '2', ...attrs } }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { url, arn };
  };
  const counts = async (url: string) => {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
    return { visible: Number(a.ApproximateNumberOfMessages), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible) };
  };
  const empty = (url: string) => until(`${url} empty`, () => counts(url), (n) => n.visible === 0 && n.inFlight === 0);
  const map = async (o: CreateEventSourceMappingCommandInput) => {
    const m = await c.send(new CreateEventSourceMappingCommand(o));
    await until('the mapping Enabled', () => c.send(new GetEventSourceMappingCommand({ UUID: m.UUID })), (g) => g.State === 'Enabled');
    return m.UUID!;
  };
  const dlqBodies = async (url: string, want: number) => until(`${want} message(s) in ${url}`, async () => {
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30 }))).Messages ?? [];
    return got.map((m) => m.Body!);
  }, (b) => b.length >= want);

  before(async () => {
    s = await startServer({ grant: workerPolicies });
    c = s.client;
    sqs = sqsClient(s);
    await deploy(c, 'consumer', { timeoutS: 2 }); // 2 s: a loaded host must not time a batch out (queues' visibility is 2 s, ≥ the timeout)
    await deploy(c, 'partial', { timeoutS: 2, env: { PARTIAL: '1' } });
    await deploy(c, 'slow', { timeoutS: 2, env: { SLEEP_MS: '400' } });
  });
  after(async () => {
    sqs?.destroy();
    await s?.stop();
  });

  it("delivers AWS's SQS event shape, and a successful batch is deleted", async () => {
    const q = await queue('shape');
    await map({ EventSourceArn: q.arn, FunctionName: 'consumer', BatchSize: 10 });
    const sent = await sqs.send(new SendMessageCommand({
      QueueUrl: q.url, MessageBody: 'hello queue',
      MessageAttributes: {
        s: { DataType: 'String', StringValue: 'v' },
        n: { DataType: 'Number', StringValue: '42' },
        b: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
      },
    }));
    const [logged] = await until('the event', () => events(s, 'consumer'), (e) => bodiesOf(e).includes('hello queue'));
    const [r] = logged!.event.Records;
    assert.equal(logged!.event.Records.length, 1);
    assert.deepEqual(Object.keys(r!).sort(), [
      'attributes', 'awsRegion', 'body', 'eventSource', 'eventSourceARN', 'md5OfBody', 'md5OfMessageAttributes', 'messageAttributes', 'messageId', 'receiptHandle',
    ]);
    assert.equal(r!.messageId, sent.MessageId);
    assert.equal(typeof r!.receiptHandle, 'string');
    assert.equal(r!.body, 'hello queue');
    assert.equal(r!.md5OfBody, md5('hello queue'));
    assert.equal(r!.md5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.equal(r!.eventSource, 'aws:sqs');
    assert.equal(r!.eventSourceARN, q.arn);
    assert.equal(r!.awsRegion, 'us-east-1');
    assert.deepEqual(Object.keys(r!.attributes).sort(), ['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp']);
    assert.equal(r!.attributes.ApproximateReceiveCount, '1');
    assert.match(r!.attributes.SentTimestamp, /^\d{13}$/);
    assert.match(r!.attributes.ApproximateFirstReceiveTimestamp, /^\d{13}$/);
    assert.ok(Number(r!.attributes.ApproximateFirstReceiveTimestamp) >= Number(r!.attributes.SentTimestamp));
    assert.ok(r!.attributes.SenderId);
    assert.deepEqual(r!.messageAttributes, {
      s: { stringValue: 'v', stringListValues: [], binaryListValues: [], dataType: 'String' },
      n: { stringValue: '42', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      b: { binaryValue: Buffer.from([1, 2, 3]).toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
    await empty(q.url);
  });

  it('a failing batch becomes visible again after the visibility timeout and, past maxReceiveCount, ends in the DLQ', async () => {
    const dlq = await queue('fail-dlq');
    const q = await queue('fail-src', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
    await map({ EventSourceArn: q.arn, FunctionName: 'consumer' });
    const t0 = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'fail-poison' }));
    assert.deepEqual(await dlqBodies(dlq.url, 1), ['fail-poison']);
    const seen = (await events(s, 'consumer')).filter((l) => bodiesOf([l]).includes('fail-poison'));
    assert.deepEqual(seen.map((l) => l.event.Records[0]!.attributes.ApproximateReceiveCount), ['1', '2'], 'tried twice, then dead-lettered');
    assert.ok(seen[1]!.t0 - seen[0]!.t0 >= 1_900, `the retry waited for the visibility timeout (${seen[1]!.t0 - seen[0]!.t0} ms)`);
    assert.ok(Date.now() - t0 < 15_000);
    await empty(q.url);
  });

  it('ReportBatchItemFailures deletes only the successes', async () => {
    const dlq = await queue('partial-dlq');
    const q = await queue('partial-src', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }) });
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: ['ok-1', 'fail-2', 'ok-3'].map((b, i) => ({ Id: String(i), MessageBody: b })) }));
    await map({ EventSourceArn: q.arn, FunctionName: 'partial', FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10, MaximumBatchingWindowInSeconds: 1 });
    assert.deepEqual(await dlqBodies(dlq.url, 1), ['fail-2']);
    await empty(q.url);
    const bodies = bodiesOf(await events(s, 'partial'));
    for (const ok of ['ok-1', 'ok-3']) assert.equal(bodies.filter((b) => b === ok).length, 1, `${ok} was deleted after its first success`);
    assert.equal(bodies.filter((b) => b === 'fail-2').length, 1);
  });

  it('FIFO: a failed message stops its group while the other groups go on; order holds in the group', async () => {
    const q = await queue('fifo-src.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    for (const [g, b] of [['A', 'A1-flaky'], ['A', 'A2'], ['B', 'B1'], ['B', 'B2']] as const) {
      await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: b, MessageGroupId: g }));
    }
    await map({ EventSourceArn: q.arn, FunctionName: 'partial', FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    await until('A2 processed', () => events(s, 'partial'), (e) => bodiesOf(e).filter((b) => b === 'A2').length >= 2);
    await empty(q.url);
    const logged = (await events(s, 'partial')).filter((l) => l.event.Records.some((r) => /^[AB]\d/.test(r.body)));
    const batches = logged.map((l) => bodiesOf([l]));
    // The first batch: A1 fails, A2 (after it in its group) is returned, B1 and B2 succeed and are deleted.
    assert.deepEqual(batches[0], ['A1-flaky', 'A2', 'B1', 'B2']);
    // After A1's visibility timeout, group A again, in order; B is never seen again.
    assert.deepEqual(batches.slice(1), [['A1-flaky', 'A2']]);
    const retry = logged[1]!.event.Records;
    assert.deepEqual(retry.map((r) => r.attributes.ApproximateReceiveCount), ['2', '2'], 'A2 was returned with A1 (its receive counted, as SQS counts it)');
    assert.ok(logged[1]!.t0 - logged[0]!.t0 >= 1_900, 'group A waited for A1\'s visibility timeout');
  });

  it('FilterCriteria: messages no filter matches are deleted without an invoke', async () => {
    const q = await queue('filtered');
    await map({ EventSourceArn: q.arn, FunctionName: 'consumer', FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['keep'] } }) }] } });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ kind: 'drop', n: 1 }) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ kind: 'keep', n: 2 }) }));
    await until('the kept message', () => events(s, 'consumer'), (e) => bodiesOf(e).some((b) => b.includes('"n":2')));
    await empty(q.url);
    assert.ok(!bodiesOf(await events(s, 'consumer')).some((b) => b.includes('"kind":"drop"')), 'the unmatched message never reached the function');
  });

  it('Disable stops the pollers (messages stay in the queue); Enable resumes them', async () => {
    const q = await queue('toggled');
    const uuid = await map({ EventSourceArn: q.arn, FunctionName: 'consumer' });
    await c.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    await until('Disabled', () => c.send(new GetEventSourceMappingCommand({ UUID: uuid })), (g) => g.State === 'Disabled');
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'while disabled' }));
    await sleep(2_500);
    assert.deepEqual(await counts(q.url), { visible: 1, inFlight: 0 }, 'nobody received it');
    assert.ok(!bodiesOf(await events(s, 'consumer')).includes('while disabled'));
    await c.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    const got = await until('the message after Enable', () => events(s, 'consumer'), (e) => bodiesOf(e).includes('while disabled'));
    const r = got.flatMap((l) => l.event.Records).find((x) => x.body === 'while disabled')!;
    assert.equal(r.attributes.ApproximateReceiveCount, '1');
    await empty(q.url);
    // Deleted (here while Disabled), the mapping is gone once its pollers stopped.
    await c.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    await until('Disabled', () => c.send(new GetEventSourceMappingCommand({ UUID: uuid })), (g) => g.State === 'Disabled');
    assert.equal((await c.send(new DeleteEventSourceMappingCommand({ UUID: uuid }))).State, 'Deleting');
    await until('the mapping gone', () => c.send(new GetEventSourceMappingCommand({ UUID: uuid })).then((g) => g.State, (e: Error) => e.name), (v) => v === 'ResourceNotFoundException', 5_000);
  });

  it('CreateEventSourceMapping refuses a queue whose visibility timeout is shorter than the function timeout', async () => {
    const q = await queue('too-short', { VisibilityTimeout: '1' });
    await assert.rejects(c.send(new CreateEventSourceMappingCommand({ EventSourceArn: q.arn, FunctionName: 'slow' })), (e: Error) => {
      assert.equal(e.name, 'InvalidParameterValueException');
      assert.equal(e.message, 'Queue visibility timeout: 1 seconds is less than Function timeout: 2 seconds');
      return true;
    });
  });

  it("the pollers never exceed the function's reserved concurrency; a reservation of 0 pauses the mapping", async () => {
    const q = await queue('reserved', { VisibilityTimeout: '3' });
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 2 }));
    await map({ EventSourceArn: q.arn, FunctionName: 'slow', BatchSize: 1, ScalingConfig: { MaximumConcurrency: 10 } });
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: Array.from({ length: 8 }, (_, i) => ({ Id: String(i), MessageBody: `r${i}` })) }));
    const done = await until('8 messages processed', () => events(s, 'slow'), (e) => new Set(bodiesOf(e)).size >= 8, 30_000);
    await empty(q.url);
    let peak = 0;
    for (const a of done) peak = Math.max(peak, done.filter((b) => b.t0 <= a.t0 && a.t0 < b.t1).length); // running when `a` began
    assert.ok(peak <= 2, `at most 2 invocations at once (saw ${peak})`);
    assert.ok(done.every((l) => l.event.Records[0]!.attributes.ApproximateReceiveCount === '1'), 'nothing was throttled back to the queue');
    assert.equal(done.length, 8);
    // Reserved concurrency 0: the mapping receives nothing (messages stay visible, not counted towards the DLQ).
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 0 }));
    await sleep(300);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'paused' }));
    await sleep(2_500);
    assert.deepEqual(await counts(q.url), { visible: 1, inFlight: 0 });
    await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'slow' }));
    const after0 = await until('the paused message', () => events(s, 'slow'), (e) => bodiesOf(e).includes('paused'));
    assert.equal(after0.flatMap((l) => l.event.Records).find((r) => r.body === 'paused')!.attributes.ApproximateReceiveCount, '1');
  });

  it('a batch throttled by another caller is not dropped: its message comes back after the visibility timeout', async () => {
    const q = await queue('throttled', { VisibilityTimeout: '3' });
    await deploy(c, 'held', { timeoutS: 3 });
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'held', ReservedConcurrentExecutions: 1 }));
    await c.send(new InvokeCommand({ FunctionName: 'held', Payload: Buffer.from('{"holdMs":1}') })); // warm: the hold below starts at once
    const uuid = await map({ EventSourceArn: q.arn, FunctionName: 'held', BatchSize: 1 });
    // A direct invoke holds the function's only slot while the mapping's batch arrives.
    const holding = c.send(new InvokeCommand({ FunctionName: 'held', Payload: Buffer.from(JSON.stringify({ holdMs: 2_500 })) }));
    await sleep(1_000);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'behind a throttle' }));
    await until('the throttle reported', () => c.send(new GetEventSourceMappingCommand({ UUID: uuid })), (g) => g.LastProcessingResult === 'PROBLEM: Function call throttled', 5_000);
    await holding;
    const got = await until('the message after the visibility timeout', () => events(s, 'held'), (e) => bodiesOf(e).includes('behind a throttle'));
    assert.equal(got.flatMap((l) => l.event.Records).find((r) => r.body === 'behind a throttle')!.attributes.ApproximateReceiveCount, '2', 'received once (throttled), then again');
    await empty(q.url);
  });
});
