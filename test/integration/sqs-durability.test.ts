import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { startServer, type RunningServer } from './harness';
import { sqsClient } from './sqs-helpers';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

/**
 * What SendMessage acknowledged survives a kill -9 of the server (SQLite:
 * the main database, synchronous=FULL; PostgreSQL: a synchronous commit),
 * and the representative path on PostgreSQL (KUMO_DATABASE_URL): send and
 * receive with MD5s, a long poll woken by a send, a DLQ move, FIFO order.
 */
async function sendKillRestart(start: (dataDir?: string) => Promise<RunningServer>): Promise<void> {
  let s = await start();
  let sqs = sqsClient(s);
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'durable' }))).QueueUrl!;
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'acknowledged', MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } } }));
  await s.kill9();
  s = await start(s.dataDir);
  sqs = sqsClient(s);
  try {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${s.endpoint}/000000000000/durable`, MessageAttributeNames: ['All'] }));
    assert.equal(got.Messages?.[0]?.MessageId, sent.MessageId);
    assert.equal(got.Messages?.[0]?.Body, 'acknowledged');
    assert.equal(got.Messages?.[0]?.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
  } finally {
    sqs.destroy();
    await s.stop();
  }
}

describe('SQS durability (SQLite)', () => {
  it('a message SendMessage acknowledged is received after kill -9 and a restart', () => sendKillRestart((dataDir) => startServer({ dataDir })));
});

describe('SQS on PostgreSQL (KUMO_DATABASE_URL)', () => {
  let pg: ThrowawayPostgres;
  let n = 0;
  let s: RunningServer;
  let sqs: SQSClient;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    sqs?.destroy();
    await s?.stop();
    await pg?.stop();
  });

  it('a message SendMessage acknowledged is received after kill -9 and a restart', async () => {
    const url = await pg.createDatabase(`sqs_${++n}`);
    await sendKillRestart((dataDir) => startServer({ dataDir, env: { KUMO_DATABASE_URL: url } }));
  });

  it('send/receive, a long poll woken by a send, a DLQ after maxReceiveCount, FIFO order', async () => {
    s = await startServer({ env: { KUMO_DATABASE_URL: await pg.createDatabase(`sqs_${++n}`) } });
    sqs = sqsClient(s);
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }))).QueueUrl!;
    const src = (await sqs.send(new CreateQueueCommand({
      QueueName: 'src', Attributes: { VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq', maxReceiveCount: 1 }) },
    }))).QueueUrl!;
    const t0 = Date.now();
    const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl: src, WaitTimeSeconds: 10 }));
    await new Promise((r) => setTimeout(r, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: 'ø poison' }));
    const got = await poll;
    assert.equal(got.Messages?.[0]?.Body, 'ø poison');
    assert.ok(Date.now() - t0 < 3000, 'woken by the send');
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages, undefined, 'moved to the DLQ');
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq }))).Messages?.[0]?.Body, 'ø poison');
    const f = (await sqs.send(new CreateQueueCommand({ QueueName: 'f.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }))).QueueUrl!;
    for (const b of ['1', '2', '3', '2']) await sqs.send(new SendMessageCommand({ QueueUrl: f, MessageBody: b, MessageGroupId: 'g' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: f, MaxNumberOfMessages: 10 }));
    assert.deepEqual(first.Messages?.map((m) => m.Body), ['1', '2', '3']);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: f, ReceiptHandle: first.Messages![0]!.ReceiptHandle }));
  });
});
