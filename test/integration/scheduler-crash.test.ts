import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startServer, testCreds, type RunningServer } from './harness';
import { sqsClient } from './sqs-helpers';
import { startPostgres } from '../postgres';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MASTER_KEY_FILE } from '../../src/keys/keyring';

/**
 * The schedule engine across kill -9 (its state is stored): a rate(1 second)
 * schedule into a FIFO queue, the server killed while it fires and started
 * again on the same data dir. Every due time from the first to the last is
 * delivered exactly once: none twice (a due time is claimed once; a fire the
 * crash interrupted is redelivered with the same deduplication id), none lost
 * (the seconds missed while the server was down are within the 60 s
 * precision, so they fire after the restart). And a one-time schedule whose
 * time passed more than its tolerance (60 s) while the server was down is
 * skipped, not fired late. On PostgreSQL, two servers racing for the same
 * schedule's due times deliver each once (claims are FOR UPDATE SKIP LOCKED
 * and move the timer in the same transaction).
 */
const roleArn = 'arn:aws:iam::000000000000:role/scheduler-role';
const env = { KUMO_SCHEDULER_ALLOW_SECONDS: '1' };

async function drain(sqs: SQSClient, url: string): Promise<string[]> {
  const out: string[] = [];
  for (let empty = 0; empty < 2;) {
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }))).Messages ?? [];
    if (!got.length) {
      empty++;
      continue;
    }
    out.push(...got.map((m) => m.Body!));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return out;
}

const client = (s: RunningServer) => new SchedulerClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });

test('kill -9 while a schedule fires: every due time once, none twice, none lost', { timeout: 120_000 }, async () => {
  let s = await startServer({ env });
  let sch = client(s);
  let sqs = sqsClient(s);
  try {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'crash.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sch.send(new CreateScheduleCommand({
      Name: 'tick', ScheduleExpression: 'rate(1 second)', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arn, RoleArn: roleArn, Input: '{"at":"<aws.scheduler.scheduled-time>"}', SqsParameters: { MessageGroupId: 'g' } },
    }));
    await new Promise((r) => setTimeout(r, 3_500));
    await s.kill9();
    sch.destroy();
    sqs.destroy();
    const downMs = 2_000;
    await new Promise((r) => setTimeout(r, downMs));
    s = await startServer({ env, dataDir: s.dataDir });
    sch = client(s);
    sqs = sqsClient(s);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await sch.send(new GetScheduleCommand({ Name: 'tick' }))).State, 'ENABLED');
    await s.kill9();
    sch.destroy();
    sqs.destroy();
    s = await startServer({ env, dataDir: s.dataDir });
    sqs = sqsClient(s);
    sch = client(s);
    // Stop the schedule before reading, so the set is final.
    await sch.send(new DeleteScheduleCommand({ Name: 'tick' }));
    await new Promise((r) => setTimeout(r, 500));
    const times = (await drain(sqs, url)).map((b) => Date.parse((JSON.parse(b) as { at: string }).at));
    assert.ok(times.length >= 8, `${times.length} fires`);
    assert.equal(new Set(times).size, times.length, `a due time delivered twice: ${times.map((t) => new Date(t).toISOString()).join(' ')}`);
    const sorted = [...times].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      assert.equal(sorted[i]! - sorted[i - 1]!, 1000, `gap before ${new Date(sorted[i]!).toISOString()} (a due time lost)`);
    }
  } finally {
    sch.destroy();
    sqs.destroy();
    await s.stop();
  }
});

test('a one-time schedule whose time passed while the server was down, beyond the precision, is skipped; one still within it fires', { timeout: 150_000 }, async () => {
  // The precision shortened to 8 s (KUMO_SCHEDULER_PRECISION_MS; AWS's is 60 s) so the test need not wait a minute: the same code decides.
  const envP = { ...env, KUMO_SCHEDULER_PRECISION_MS: '8000' };
  let s = await startServer({ env: envP });
  let sch = client(s);
  let sqs = sqsClient(s);
  try {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'missed' }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const local = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    const t0 = Date.now();
    // Due 3 s from now (missed by ~11 s when the server comes back: beyond the 8 s) and 11 s from now (missed by ~3 s: within it).
    for (const [name, at] of [['long-ago', t0 + 3_000], ['recent', t0 + 11_000]] as const) {
      await sch.send(new CreateScheduleCommand({
        Name: name, ScheduleExpression: `at(${local(at)})`, FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: arn, RoleArn: roleArn, Input: `{"name":"${name}"}` },
      }));
    }
    await s.kill9();
    sch.destroy();
    sqs.destroy();
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 14_000 - Date.now())));
    s = await startServer({ env: envP, dataDir: s.dataDir });
    sch = client(s);
    sqs = sqsClient(s);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual((await drain(sqs, url)).map((b) => (JSON.parse(b) as { name: string }).name), ['recent']);
    assert.match(s.output(), /long-ago: due time .* missed \(the server was down\), skipped/);
  } finally {
    sch.destroy();
    sqs.destroy();
    await s.stop();
  }
});

test('two servers on one PostgreSQL: each due time is claimed by one of them, once', { timeout: 120_000 }, async () => {
  const pg = await startPostgres();
  const url = await pg.createDatabase('sched_two');
  const pgEnv = { ...env, KUMO_DATABASE_URL: url };
  const a = await startServer({ env: pgEnv });
  const sch = client(a);
  const sqsA = sqsClient(a);
  // Queue bodies are sealed with the data dir's master key: both servers must hold the same one to read each other's messages.
  const bDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-it-'));
  fs.copyFileSync(path.join(a.dataDir, MASTER_KEY_FILE), path.join(bDir, MASTER_KEY_FILE));
  let b: RunningServer | undefined;
  let sqs = sqsA;
  try {
    const q = (await sqsA.send(new CreateQueueCommand({ QueueName: 'two.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    const arn = (await sqsA.send(new GetQueueAttributesCommand({ QueueUrl: q, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sch.send(new CreateScheduleCommand({
      Name: 'shared', ScheduleExpression: 'rate(1 second)', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arn, RoleArn: roleArn, Input: '{"at":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>"}', SqsParameters: { MessageGroupId: 'g' } },
    }));
    // B starts with the schedule stored: from its first tick on, both engines race for every due time.
    b = await startServer({ env: pgEnv, dataDir: bDir });
    sqs = sqsClient(b);
    await new Promise((r) => setTimeout(r, 5_000));
    await sch.send(new DeleteScheduleCommand({ Name: 'shared' }));
    await new Promise((r) => setTimeout(r, 500));
    const bodies = (await drain(sqs, q)).map((x) => JSON.parse(x) as { at: string; id: string });
    const times = bodies.map((x) => Date.parse(x.at)).sort((x, y) => x - y);
    assert.ok(times.length >= 4, `${times.length} fires`);
    // Distinct execution ids too: a second claim would have made a second fire row (not deduplicated by the queue).
    assert.equal(new Set(bodies.map((x) => x.id)).size, bodies.length);
    assert.equal(new Set(times).size, times.length, 'a due time fired twice');
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 1000, 'a due time lost');
  } finally {
    sch.destroy();
    sqsA.destroy();
    if (sqs !== sqsA) sqs.destroy();
    await a.stop();
    await b?.stop();
    pg.stop();
  }
});
