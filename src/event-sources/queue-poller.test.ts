import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../domain/errors';
import type { EventSourceMappingRecord } from '../domain/event-source-mapping';
import type { InvokeInput, InvokeResult } from '../invoke/service';
import { FakeQueueSource } from '../../test/fakes/queue-source';
import { mapping } from '../../test/store-contract-esm';
import { QueuePoller, results, type MappingInvoker } from './queue-poller';
import type { SqsRecord } from './sqs-event';
import * as L from './limits';

type Handler = (event: { Records: SqsRecord[] }) => Promise<{ payload?: unknown; error?: boolean }> | { payload?: unknown; error?: boolean };

/** A function in-process: what the invoke path would return for it (unit tests of the poller only). */
class FakeInvoker implements MappingInvoker {
  readonly events: { Records: SqsRecord[] }[] = [];
  inFlight = 0;
  peakInFlight = 0;
  exists = true;
  /** The function's reserved concurrency, as InvokeService.reservedConcurrency answers it (undefined: none). */
  reserved: number | undefined;
  reservedConcurrency(): number | undefined {
    return this.reserved;
  }
  constructor(private handler: Handler = () => ({})) {}
  async resolve(): Promise<unknown> {
    if (!this.exists) throw new DomainError('NotFound', 'Function not found');
    return {};
  }
  async invoke(input: InvokeInput): Promise<InvokeResult> {
    const event = JSON.parse(input.payload.toString('utf8')) as { Records: SqsRecord[] };
    this.events.push(event);
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      const r = await this.handler(event);
      const payload = Buffer.from(r.payload === undefined ? 'null' : JSON.stringify(r.payload));
      return { payload, executedVersion: '$LATEST', requestId: 'r', ...(r.error ? { functionError: 'Unhandled' as const } : {}) };
    } finally {
      this.inFlight--;
    }
  }
}

/** Every poller a test started, stopped after the file even when a test failed half-way (a running poller keeps the process alive). */
const started: QueuePoller[] = [];
after(() => Promise.all(started.map((p) => p.stop())));

function setup(o: { rec?: Partial<EventSourceMappingRecord>; queue?: Parameters<FakeQueueSource['createQueue']>[1]; name?: string; handler?: Handler; accountConcurrency?: number; reserved?: number; logsDurable?: () => Promise<void> } = {}) {
  const queues = new FakeQueueSource();
  const arn = queues.createQueue(o.name ?? 'q1', { visibilityTimeoutS: 0.3, ...o.queue });
  const invoker = new FakeInvoker(o.handler);
  invoker.reserved = o.reserved;
  const reports: string[] = [];
  const rec = mapping('00000000-0000-4000-8000-000000000001', { eventSourceArn: arn, state: 'Enabled', ...o.rec });
  const poller = new QueuePoller(rec, { queues, invoker, report: (r) => reports.push(r), log: () => undefined, problemBackoffMs: 20, receiveWaitMs: 200, accountConcurrency: o.accountConcurrency, logsDurable: o.logsDurable }, { fifo: arn.endsWith('.fifo') });
  started.push(poller);
  return { queues, arn, invoker, reports, poller };
}

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('QueuePoller', () => {
  test("the SQS event is AWS's shape: Records with lower-camel attributes, eventSource aws:sqs, the queue's ARN and region", async () => {
    const { queues, arn, invoker, poller } = setup();
    const id = queues.send(arn, 'hello', {
      messageAttributes: { s: { DataType: 'String', StringValue: 'v' }, b: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]) } },
    });
    poller.start();
    await until(() => invoker.events.length === 1, 'the invoke');
    await poller.stop();
    const r = invoker.events[0]!.Records;
    assert.equal(r.length, 1);
    const rec = r[0]!;
    assert.deepEqual(Object.keys(rec), ['messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfBody', 'md5OfMessageAttributes', 'eventSource', 'eventSourceARN', 'awsRegion']);
    assert.equal(rec.messageId, id);
    assert.equal(rec.body, 'hello');
    assert.equal(rec.md5OfBody, '5d41402abc4b2a76b9719d911017c592');
    assert.equal(rec.eventSource, 'aws:sqs');
    assert.equal(rec.eventSourceARN, arn);
    assert.equal(rec.awsRegion, 'us-east-1');
    assert.deepEqual(Object.keys(rec.attributes).sort(), ['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp']);
    assert.equal(rec.attributes.ApproximateReceiveCount, '1');
    assert.deepEqual(rec.messageAttributes, {
      s: { stringValue: 'v', stringListValues: [], binaryListValues: [], dataType: 'String' },
      b: { binaryValue: 'AQI=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
  });

  test('success deletes the whole batch; batches hold at most BatchSize messages', async () => {
    const { queues, arn, invoker, reports, poller } = setup({ rec: { batchSize: 3 } });
    for (let i = 0; i < 7; i++) queues.send(arn, `m${i}`);
    poller.start();
    await until(() => queues.messages(arn).length === 0, 'the queue to drain');
    await poller.stop();
    assert.ok(invoker.events.every((e) => e.Records.length <= 3), `batch sizes ${invoker.events.map((e) => e.Records.length)}`);
    assert.equal(invoker.events.reduce((n, e) => n + e.Records.length, 0), 7);
    assert.equal(reports.at(-1), results.ok);
  });

  test("a batch's messages are deleted only once the log lines of its invoke are durable; if they cannot be stored, the messages stay", async () => {
    let release!: () => void;
    let calls = 0;
    const { queues, arn, invoker, poller } = setup({
      logsDurable: () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
    });
    queues.send(arn, 'a');
    queues.send(arn, 'b');
    poller.start();
    await until(() => calls === 1, 'the wait for durable logs');
    await sleep(50);
    assert.equal(invoker.events.length, 1);
    assert.equal(queues.messages(arn).length, 2, 'deleted before the logs were durable');
    release();
    await until(() => queues.messages(arn).length === 0, 'the delete after the logs were durable');
    await poller.stop();

    const failing = setup({ queue: { visibilityTimeoutS: 60 }, logsDurable: async () => { throw new Error('disk full'); } });
    failing.queues.send(failing.arn, 'c');
    failing.poller.start();
    await until(() => failing.invoker.events.length === 1, 'the invoke');
    await sleep(100);
    await failing.poller.stop();
    assert.deepEqual(failing.queues.messages(failing.arn).map((m) => [m.body, m.receiveCount]), [['c', 1]], 'the message must stay when its logs cannot be stored');
  });

  test('a batching window gathers up to BatchSize across receives (more than the 10 of one receive)', async () => {
    const { queues, arn, invoker, poller } = setup({ rec: { batchSize: 25, maximumBatchingWindowInSeconds: 1 } });
    for (let i = 0; i < 25; i++) queues.send(arn, `m${i}`);
    poller.start();
    await until(() => queues.messages(arn).length === 0, 'the queue to drain');
    await poller.stop();
    assert.ok(invoker.events.some((e) => e.Records.length > L.receiveMessagesMax), `batch sizes ${invoker.events.map((e) => e.Records.length)}`);
  });

  test('a function error leaves the batch: it comes back after the visibility timeout, and RedrivePolicy moves it to the DLQ', async () => {
    const queues = new FakeQueueSource();
    const dlq = queues.createQueue('dlq');
    const arn = queues.createQueue('src', { visibilityTimeoutS: 0.1, redrive: { deadLetterTargetArn: dlq, maxReceiveCount: 3 } });
    const invoker = new FakeInvoker(() => ({ error: true, payload: { errorMessage: 'boom' } }));
    const reports: string[] = [];
    const poller = new QueuePoller(mapping('00000000-0000-4000-8000-000000000002', { eventSourceArn: arn }), { queues, invoker, report: (r) => reports.push(r), log: () => undefined }, { fifo: false });
    queues.send(arn, 'poison');
    poller.start();
    await until(() => queues.messages(dlq).length === 1, 'the message in the DLQ');
    await poller.stop();
    assert.equal(invoker.events.length, 3, 'received (and invoked) maxReceiveCount times');
    assert.deepEqual(invoker.events.map((e) => e.Records[0]!.attributes.ApproximateReceiveCount), ['1', '2', '3']);
    assert.equal(queues.messages(arn).length, 0);
    assert.equal(reports.at(-1), results.functionFailed);
  });

  test('ReportBatchItemFailures: only the named messages stay; an empty list or null is success; an invalid answer fails the batch', async () => {
    const answers: unknown[] = [];
    const { queues, arn, invoker, poller } = setup({
      rec: { batchSize: 10, functionResponseTypes: ['ReportBatchItemFailures'] },
      queue: { visibilityTimeoutS: 30 },
      handler: (e) => {
        const body = e.Records.map((r) => r.body);
        if (body.includes('round1')) return { payload: { batchItemFailures: e.Records.filter((r) => r.body.startsWith('bad')).map((r) => ({ itemIdentifier: r.messageId })) } };
        return { payload: answers.shift() };
      },
    });
    queues.send(arn, 'round1');
    const bad = queues.send(arn, 'bad1');
    queues.send(arn, 'good');
    poller.start();
    await until(() => queues.messages(arn).length === 1, 'the good ones deleted');
    await poller.stop();
    assert.deepEqual(queues.messages(arn).map((m) => m.id), [bad]);

    // Each answer on a fresh queue: [answer, messages left after it].
    for (const [answer, left] of [
      [{ batchItemFailures: [] }, 0],
      [null, 0],
      [{}, 0],
      [{ batchItemFailures: [{ itemIdentifier: '' }] }, 2],
      [{ batchItemFailures: [{ itemIdentifier: 'no-such-id' }] }, 2],
      [{ batchItemFailures: [{ wrongKey: 'x' }] }, 2],
      [{ batchItemFailures: 'nope' }, 2],
    ] as const) {
      const s = setup({ rec: { functionResponseTypes: ['ReportBatchItemFailures'] }, queue: { visibilityTimeoutS: 30 }, handler: () => ({ payload: answer }) });
      s.queues.send(s.arn, 'a');
      s.queues.send(s.arn, 'b');
      s.poller.start();
      await until(() => s.invoker.events.length >= 1 && s.queues.calls.receive >= 2, 'one batch done');
      await s.poller.stop();
      assert.equal(s.queues.messages(s.arn).length, left, JSON.stringify(answer));
    }
    assert.equal(invoker.events.length, 1);
  });

  test('a response that is not JSON fails the whole batch', async () => {
    const s = setup({ rec: { functionResponseTypes: ['ReportBatchItemFailures'] }, queue: { visibilityTimeoutS: 30 } });
    (s.invoker as unknown as { invoke: MappingInvoker['invoke'] }).invoke = async () => ({ payload: Buffer.from('not json'), executedVersion: '$LATEST', requestId: 'r' });
    s.queues.send(s.arn, 'a');
    s.poller.start();
    await until(() => s.queues.calls.receive >= 2, 'one batch done');
    await s.poller.stop();
    assert.equal(s.queues.messages(s.arn).length, 1);
  });

  test('FIFO: a failed message stops its group (later messages of it stay and become visible again); other groups go on', async () => {
    const s = setup({
      name: 'q.fifo',
      rec: { batchSize: 10, functionResponseTypes: ['ReportBatchItemFailures'] },
      queue: { visibilityTimeoutS: 30 },
      handler: (e) => ({ payload: { batchItemFailures: e.Records.filter((r) => r.body === 'a2').map((r) => ({ itemIdentifier: r.messageId })) } }),
    });
    for (const [body, g] of [['a1', 'A'], ['b1', 'B'], ['a2', 'A'], ['b2', 'B'], ['a3', 'A']] as const) s.queues.send(s.arn, body, { groupId: g });
    s.poller.start();
    await until(() => s.queues.messages(s.arn).length === 2, 'a1, b1, b2 deleted');
    await until(() => s.queues.calls.changeVisibility >= 1, 'a3 made visible');
    await s.poller.stop();
    assert.equal(s.invoker.events.length, 1, 'a2 (in flight for 30 s) blocks group A: a3 is not received again');
    assert.deepEqual(s.invoker.events[0]!.Records.map((r) => r.body), ['a1', 'b1', 'a2', 'b2', 'a3']);
    const left = s.queues.messages(s.arn);
    assert.deepEqual(left.map((m) => [m.body, m.visible]), [['a2', false], ['a3', true]]);
  });

  test('FilterCriteria: messages no filter matches are deleted without an invoke', async () => {
    const s = setup({ rec: { filterPatterns: ['{"body":{"kind":["keep"]}}', '{"body":[{"prefix":"plain-keep"}]}'] } });
    s.queues.send(s.arn, JSON.stringify({ kind: 'keep', n: 1 }));
    s.queues.send(s.arn, JSON.stringify({ kind: 'drop' }));
    s.queues.send(s.arn, 'plain-keep text');
    s.queues.send(s.arn, 'plain text');
    s.poller.start();
    await until(() => s.queues.messages(s.arn).length === 0, 'all deleted');
    await s.poller.stop();
    const bodies = s.invoker.events.flatMap((e) => e.Records.map((r) => r.body)).sort();
    assert.deepEqual(bodies, ['plain-keep text', JSON.stringify({ kind: 'keep', n: 1 })].sort());
  });

  test('a batch stays within the 6 MB payload: what does not fit is made visible again for the next batch', async () => {
    const s = setup({ rec: { batchSize: 10, maximumBatchingWindowInSeconds: 1 }, queue: { visibilityTimeoutS: 30 } });
    const big = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 8; i++) s.queues.send(s.arn, big);
    s.poller.start();
    await until(() => s.queues.messages(s.arn).length === 0, 'all deleted');
    await s.poller.stop();
    const sizes = s.invoker.events.map((e) => Buffer.byteLength(JSON.stringify(e)));
    assert.ok(sizes.every((n) => n <= L.batchPayloadBytesMax), `payloads ${sizes}`);
    assert.equal(s.invoker.events.reduce((n, e) => n + e.Records.length, 0), 8);
  });

  test('MaximumConcurrency bounds the workers and the invocations in flight', async () => {
    const s = setup({ rec: { batchSize: 1, maximumConcurrency: 2 }, queue: { visibilityTimeoutS: 30 }, handler: async () => (await sleep(20), {}) });
    for (let i = 0; i < 30; i++) s.queues.send(s.arn, `m${i}`);
    s.poller.start();
    await until(() => s.queues.messages(s.arn).length === 0, 'drained', 10_000);
    await s.poller.stop();
    assert.equal(s.poller.peakWorkers, 2);
    assert.ok(s.invoker.peakInFlight <= 2);
  });

  test("the function's reserved concurrency bounds the workers below MaximumConcurrency, and a change applies to running pollers", async () => {
    const s = setup({ rec: { batchSize: 1, maximumConcurrency: 10 }, queue: { visibilityTimeoutS: 30 }, reserved: 2, handler: async () => (await sleep(20), {}) });
    for (let i = 0; i < 200; i++) s.queues.send(s.arn, `m${i}`);
    s.poller.start();
    await until(() => s.queues.messages(s.arn).length < 150, 'some processed', 10_000);
    assert.ok(s.poller.peakWorkers <= 2, `peak ${s.poller.peakWorkers}`);
    assert.ok(s.invoker.peakInFlight <= 2);
    s.invoker.reserved = 7;
    await until(() => s.poller.running > 2, 'more workers once the reservation grew', 5_000);
    await until(() => s.queues.messages(s.arn).length === 0, 'drained', 20_000);
    await s.poller.stop();
    assert.ok(s.poller.peakWorkers <= 7, `peak ${s.poller.peakWorkers}`);
  });

  test('a reserved concurrency of 0 pauses the mapping: nothing is received (the messages stay visible, uncounted) until it is raised', async () => {
    const s = setup({ reserved: 0 });
    s.queues.send(s.arn, 'a');
    s.poller.start();
    await sleep(L.capRecheckMs * 2);
    assert.equal(s.poller.running, 0);
    assert.equal(s.queues.calls.receive, 0);
    assert.deepEqual(s.queues.messages(s.arn).map((m) => [m.receiveCount, m.visible]), [[0, true]]);
    s.invoker.reserved = undefined;
    await until(() => s.queues.messages(s.arn).length === 0, 'processed once the reservation is gone');
    // Dropping it to 0 again ends the waiting long polls: the workers leave.
    s.invoker.reserved = 0;
    await until(() => s.poller.running === 0, 'the workers left', 2_000);
    s.queues.send(s.arn, 'b');
    await sleep(L.capRecheckMs * 2);
    assert.deepEqual(s.queues.messages(s.arn).map((m) => m.receiveCount), [0]);
    await s.poller.stop();
  });

  test('without MaximumConcurrency the workers stop at the configured account limit, not the default', async () => {
    const s = setup({ rec: { batchSize: 1 }, accountConcurrency: 3, queue: { visibilityTimeoutS: 30 }, handler: async () => (await sleep(20), {}) });
    for (let i = 0; i < 60; i++) s.queues.send(s.arn, `m${i}`);
    s.poller.start();
    await until(() => s.queues.messages(s.arn).length === 0, 'drained', 10_000);
    await s.poller.stop();
    assert.equal(s.poller.peakWorkers, 3);
  });

  test('a throttled batch is not dropped: its messages come back after the visibility timeout', async () => {
    let throttle = true;
    const s = setup({ handler: () => {
      if (throttle) throw new DomainError('Throttled', 'Rate Exceeded.');
      return {};
    } });
    s.queues.send(s.arn, 'a');
    s.poller.start();
    await until(() => s.reports.includes(results.throttled), 'the throttle');
    assert.equal(s.queues.messages(s.arn).length, 1, 'still in the queue');
    throttle = false;
    await until(() => s.queues.messages(s.arn).length === 0, 'delivered after the visibility timeout');
    await s.poller.stop();
    assert.ok(s.invoker.events.length >= 2);
  });

  test('a backlog scales the workers up past the initial 5, bounded; drained, they fall back to 5', async () => {
    const s = setup({ rec: { batchSize: 1, maximumConcurrency: 12 }, queue: { visibilityTimeoutS: 30 }, handler: async () => (await sleep(30), {}) });
    for (let i = 0; i < 400; i++) s.queues.send(s.arn, `m${i}`);
    s.poller.start();
    assert.equal(s.poller.running, L.pollersInitial);
    await until(() => s.poller.running > L.pollersInitial, 'a scale-up', 5_000);
    await until(() => s.queues.messages(s.arn).length === 0, 'drained', 20_000);
    await until(() => s.poller.running === L.pollersInitial, 'a scale-down', 5_000);
    await s.poller.stop();
    assert.ok(s.poller.peakWorkers <= 12, `peak ${s.poller.peakWorkers}`);
    assert.ok(s.invoker.peakInFlight <= 12);
  });

  test('a function that is gone is not invoked and consumes nothing; it is reported', async () => {
    const s = setup();
    s.invoker.exists = false;
    s.queues.send(s.arn, 'a');
    s.poller.start();
    await until(() => s.reports.includes(results.functionNotFound), 'the report');
    await s.poller.stop();
    assert.equal(s.queues.calls.receive, 0);
    assert.equal(s.queues.messages(s.arn)[0]!.receiveCount, 0);
  });

  test('a queue that is gone is reported, and the pollers keep trying without crashing', async () => {
    const s = setup();
    s.queues.deleteQueue(s.arn);
    s.poller.start();
    await until(() => s.reports.includes(results.queueNotFound), 'the report');
    await s.poller.stop();
  });

  test('stop is prompt while receives wait, and waits for a batch in flight to finish', async () => {
    let release!: () => void;
    const s = setup({ handler: () => new Promise((r) => (release = () => r({})) ) });
    s.poller.start();
    await sleep(50);
    const t0 = Date.now();
    await s.poller.stop();
    assert.ok(Date.now() - t0 < 500, 'long polls end at once');

    const s2 = setup({ handler: () => new Promise((r) => (release = () => r({})) ) });
    s2.queues.send(s2.arn, 'a');
    s2.poller.start();
    await until(() => s2.invoker.events.length === 1, 'the invoke');
    let stopped = false;
    const stopping = s2.poller.stop().then(() => (stopped = true));
    await sleep(50);
    assert.equal(stopped, false, 'the batch in flight is waited for');
    release();
    await stopping;
    assert.equal(s2.queues.messages(s2.arn).length, 0, 'and its result applied');
  });
});
