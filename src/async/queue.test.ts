import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../config';
import { Deliveries, type OutboundMessage } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { LogSink } from '../observability/logs';
import type { InvokeInput, InvokeResult } from '../invoke/service';
import { AsyncQueue, type AsyncPolicySource } from './queue';
import { RoleAccess } from '../identity/role-access';
import type { AsyncPolicy } from './invoke-configs';

/**
 * The queue's outcome path on a real SQLite store and a real Deliveries,
 * with in-process `sqs` and `sns` sinks standing in for the queue and topic
 * services (built on other branches). The invoker is scripted: what is under
 * test is what the queue does with each answer, not the sandbox.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-queue-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

function setup(opts: {
  policy: AsyncPolicy; dlq?: string; answer: (i: InvokeInput, run: number) => InvokeResult | Promise<InvokeResult>; sinkFails?: number; reserved?: number;
}) {
  const store = new SqliteStore(path.join(dir, `q${++n}.db`));
  const logs = new LogSink(store);
  const sent: { arn: string; msg: OutboundMessage }[] = [];
  let failuresLeft = opts.sinkFails ?? 0;
  const deliveries = new Deliveries();
  for (const service of ['sqs', 'sns']) {
    deliveries.register(service, {
      send: async (arn, msg) => {
        if (failuresLeft-- > 0) throw new DomainError('NotFound', 'The specified queue does not exist.');
        sent.push({ arn, msg });
      },
    });
  }
  let runs = 0;
  const invoker = { invoke: async (i: InvokeInput) => opts.answer(i, ++runs), reservedConcurrency: () => opts.reserved };
  const policies: AsyncPolicySource = {
    policy: async () => opts.policy,
    deadLetterArn: async () => opts.dlq,
    arn: (f, q) => `arn:aws:lambda:us-east-1:000000000000:function:${f}:${q}`,
  };
  const queue = new AsyncQueue(configFromEnv({ asyncRetryDelaysMs: [10, 10] }), store, invoker, logs, deliveries, policies);
  return {
    queue, sent, store, runs: () => runs,
    async drained(): Promise<void> {
      for (let i = 0; i < 500 && (await store.nextAsyncDueInMs()) !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await store.nextAsyncDueInMs(), undefined, 'the event left the queue');
    },
    async lines(): Promise<string[]> {
      await logs.flush();
      return (await store.readLogs('/aws/lambda/f', { limit: 1000, sinceMs: 0 })).map((r) => r.message);
    },
    async close() {
      await queue.stop();
      await store.close();
    },
  };
}

const ok = (payload = '{"ok":1}'): InvokeResult => ({ payload: Buffer.from(payload), executedVersion: '$LATEST', requestId: 'x' });
const failed = (): InvokeResult => ({ payload: Buffer.from('{"errorMessage":"boom","errorType":"Error"}'), functionError: 'Unhandled', executedVersion: '$LATEST', requestId: 'x' });
const queueArn = 'arn:aws:sqs:us-east-1:000000000000:q';
const topicArn = 'arn:aws:sns:us-east-1:000000000000:t';

test('success goes to OnSuccess as the invocation record', async () => {
  const t = setup({ policy: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600, onSuccess: queueArn }, answer: () => ok() });
  t.queue.start();
  const id = await t.queue.enqueue('f', undefined, Buffer.from('{"in":1}'));
  await t.drained();
  assert.equal(t.sent.length, 1);
  const rec = JSON.parse(t.sent[0]!.msg.body) as Record<string, any>;
  assert.equal(t.sent[0]!.arn, queueArn);
  assert.deepEqual(rec.requestContext, { requestId: id, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST', condition: 'Success', approximateInvokeCount: 1 });
  await t.close();
});

test('retries exhausted: OnFailure gets the record and the DLQ the payload with its attributes (both, when both are set)', async () => {
  const t = setup({ policy: { maximumRetryAttempts: 1, maximumEventAgeSeconds: 21600, onFailure: topicArn }, dlq: queueArn, answer: () => failed() });
  t.queue.start();
  const id = await t.queue.enqueue('f', undefined, Buffer.from('{"in":2}'));
  await t.drained();
  assert.equal(t.runs(), 2, 'MaximumRetryAttempts 1: two runs');
  assert.deepEqual(t.sent.map((s) => s.arn), [topicArn, queueArn]);
  assert.equal((JSON.parse(t.sent[0]!.msg.body) as Record<string, any>).requestContext.condition, 'RetriesExhausted');
  assert.deepEqual(t.sent[1]!.msg, {
    body: '{"in":2}',
    attributes: {
      RequestID: { DataType: 'String', StringValue: id },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'boom' },
    },
  });
  const lines = await t.lines();
  assert.deepEqual(lines.filter((l) => l.startsWith('ASYNC_ATTEMPT')), [1, 2].map((k) => `ASYNC_ATTEMPT RequestId: ${id}\tAttempt: ${k} of 2`));
  await t.close();
});

test('throttles are retried without counting an attempt', async () => {
  const t = setup({
    policy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21600, onSuccess: queueArn },
    answer: (_i, run) => {
      if (run === 1) throw new DomainError('Throttled', 'Rate Exceeded.');
      return ok();
    },
  });
  t.queue.start();
  await t.queue.enqueue('f', undefined, Buffer.from('{}'));
  await t.drained();
  assert.equal(t.runs(), 2, 'run again after the throttle though MaximumRetryAttempts is 0');
  assert.equal((JSON.parse(t.sent[0]!.msg.body) as Record<string, any>).requestContext.approximateInvokeCount, 1, 'the throttled try is not counted');
  assert.ok((await t.lines()).some((l) => l.startsWith('ASYNC_DEFERRED') && l.includes('Reason: Throttled')));
  await t.close();
});

test('reserved concurrency 0: the throttled event goes to OnFailure and the DLQ at once, recorded as AWS does (ZeroReservedConcurrency, count 0, no response)', async () => {
  const t = setup({
    policy: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600, onFailure: topicArn },
    dlq: queueArn,
    reserved: 0,
    answer: () => {
      throw new DomainError('Throttled', 'Rate Exceeded.', { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    },
  });
  t.queue.start();
  const t0 = Date.now();
  const id = await t.queue.enqueue('f', undefined, Buffer.from('{"in":3}'));
  await t.drained();
  assert.ok(Date.now() - t0 < 1000, 'not deferred (a deferral waits at least a second)');
  assert.equal(t.runs(), 1);
  assert.deepEqual(t.sent.map((s) => s.arn), [topicArn, queueArn]);
  const rec = JSON.parse(t.sent[0]!.msg.body) as Record<string, any>;
  assert.deepEqual(Object.keys(rec), ['version', 'timestamp', 'requestContext', 'requestPayload']);
  assert.deepEqual(rec.requestContext, {
    requestId: id, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST', condition: 'ZeroReservedConcurrency', approximateInvokeCount: 0,
  });
  assert.deepEqual(rec.requestPayload, { in: 3 });
  assert.equal(t.sent[1]!.msg.attributes?.ErrorCode?.StringValue, '429');
  await t.close();
});

test('a throttle of a function not reserved at 0 is deferred as before', async () => {
  const t = setup({
    policy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21600, onFailure: topicArn },
    reserved: 1,
    answer: (_i, run) => {
      if (run === 1) throw new DomainError('Throttled', 'Rate Exceeded.', { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
      return ok();
    },
  });
  t.queue.start();
  await t.queue.enqueue('f', undefined, Buffer.from('{}'));
  await t.drained();
  assert.equal(t.runs(), 2);
  assert.equal(t.sent.length, 0, 'it succeeded on the second run: nothing for OnFailure');
  await t.close();
});

test('a target that fails is retried a bounded number of times; then the failure is logged and the event leaves the queue', async () => {
  const t = setup({ policy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21600, onSuccess: queueArn }, answer: () => ok(), sinkFails: 1 });
  t.queue.start();
  await t.queue.enqueue('f', undefined, Buffer.from('{}'));
  await t.drained();
  assert.equal(t.sent.length, 1, 'delivered on the second try');
  await t.close();

  const u = setup({ policy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21600, onSuccess: queueArn }, answer: () => ok(), sinkFails: 100 });
  u.queue.start();
  const id = await u.queue.enqueue('f', undefined, Buffer.from('{}'));
  await u.drained();
  assert.equal(u.sent.length, 0);
  assert.ok((await u.lines()).includes(`ASYNC_DELIVERY_FAILED RequestId: ${id}\tTarget: ${queueArn}\tTries: 3\tReason: The specified queue does not exist.`));
  await u.close();
});

test('destinations and the DLQ are sent as the function’s role: a target it may not send to is logged as failed, the others delivered (issue 18)', async () => {
  const t = setup({ policy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21600, onFailure: topicArn }, dlq: queueArn, answer: () => failed() });
  // A fake authorizer (unit test only; the real one is IAM's): the role may publish to SNS, not send to SQS.
  const asked: string[] = [];
  t.queue.sendAs = {
    roleOf: async (fn, version) => (asked.push(`${fn}@${version}`), 'arn:aws:iam::000000000000:role/worker'),
    access: new RoleAccess({ authorize: (_p, r) => (r.action === 'sns:Publish' ? { allowed: true } : { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' }) }),
  };
  t.queue.start();
  const id = await t.queue.enqueue('f', undefined, Buffer.from('{"in":1}'));
  await t.drained();
  assert.deepEqual(t.sent.map((x) => x.arn), [topicArn]);
  assert.deepEqual(asked, ['f@$LATEST', 'f@$LATEST']);
  const failedLine = (await t.lines()).find((l) => l.startsWith('ASYNC_DELIVERY_FAILED'));
  assert.equal(
    failedLine,
    `ASYNC_DELIVERY_FAILED RequestId: ${id}\tTarget: ${queueArn}\tTries: 1\tReason: AccessDenied: arn:aws:sts::000000000000:assumed-role/worker/f is not authorized to perform: sqs:SendMessage on resource: ${queueArn}`,
  );
  await t.close();
});

test('a lease whose answer was lost (committed, then the call failed) is given back: the event runs within a poll, not after the lease', async () => {
  const t = setup({ policy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21600 }, answer: () => ok() });
  // The database committed the lease, then the connection broke before its answer arrived.
  const real = t.store.leaseDueAsync.bind(t.store);
  let lost = 1;
  t.store.leaseDueAsync = async (leaseMs, limit, owner) => {
    const got = await real(leaseMs, limit, owner);
    if (got.length && lost-- > 0) throw new Error('Connection terminated unexpectedly');
    return got;
  };
  t.queue.start();
  await t.queue.enqueue('f', undefined, Buffer.from('{}'));
  const started = Date.now();
  await t.drained();
  assert.equal(t.runs(), 1);
  assert.ok(Date.now() - started < 10_000, 'ran within a few poll intervals (the lease is 16 minutes)');
  await t.close();
});
