import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand,
  SetQueueAttributesCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { startServer, type RunningServer } from './harness';
import { rejection, sqsClient } from './sqs-helpers';

/** FIFO queues through @aws-sdk/client-sqs: group order, group blocking, deduplication, sequence numbers, attempt ids. */
describe('SQS FIFO queues', () => {
  let s: RunningServer;
  let sqs: SQSClient;
  let n = 0;
  const fifo = async (attrs: Record<string, string> = {}) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: `f${++n}.fifo`, Attributes: { FifoQueue: 'true', ...attrs } }))).QueueUrl!;
  before(async () => {
    s = await startServer();
    sqs = sqsClient(s);
  });
  after(async () => {
    sqs?.destroy();
    await s?.stop();
  });

  it('keeps order within a group; an in-flight message blocks its group only', async () => {
    const url = await fifo();
    for (const [g, b] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['b', 'b2'], ['a', 'a3']]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: b, MessageGroupId: g, MessageDeduplicationId: b }));
    }
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1 }));
    assert.equal(first.Messages?.[0]?.Body, 'a1');
    // Group a is blocked while a1 is in flight; group b is not.
    const next = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.deepEqual(next.Messages?.map((m) => m.Body), ['b1', 'b2']);
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages, undefined);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle }));
    const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    assert.deepEqual(rest.Messages?.map((m) => m.Body), ['a2', 'a3']);
    assert.equal(rest.Messages?.[0]?.Attributes?.MessageGroupId, 'a');
    assert.equal(rest.Messages?.[0]?.Attributes?.MessageDeduplicationId, 'a2');
    assert.match(rest.Messages?.[0]?.Attributes?.SequenceNumber ?? '', /^[0-9]{20}$/);
    assert.ok(BigInt(rest.Messages![1]!.Attributes!.SequenceNumber!) > BigInt(rest.Messages![0]!.Attributes!.SequenceNumber!));
  });

  it('deduplicates within 5 minutes by MessageDeduplicationId or by content (ContentBasedDeduplication)', async () => {
    const url = await fifo();
    const a = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd1' }));
    const b = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'other body', MessageGroupId: 'g', MessageDeduplicationId: 'd1' }));
    assert.equal(b.MessageId, a.MessageId);
    assert.equal(b.SequenceNumber, a.SequenceNumber);
    const noId = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'y', MessageGroupId: 'g' })));
    assert.equal(noId.name, 'InvalidParameterValue');
    const noGroup = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'y', MessageDeduplicationId: 'z' })));
    assert.equal(noGroup.name, 'MissingParameter');
    const delay = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'y', MessageGroupId: 'g', MessageDeduplicationId: 'q', DelaySeconds: 5 })));
    assert.equal(delay.name, 'InvalidParameterValue');
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { ContentBasedDeduplication: 'true' } }));
    const c1 = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: url, Entries: [{ Id: 'one', MessageBody: 'same', MessageGroupId: 'g' }, { Id: 'two', MessageBody: 'same', MessageGroupId: 'g' }],
    }));
    assert.equal(c1.Successful?.[0]?.MessageId, c1.Successful?.[1]?.MessageId, 'the second is a duplicate of the first');
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.deepEqual(got.Messages?.map((m) => m.Body), ['x', 'same']);
  });

  it('a retried receive with the same ReceiveRequestAttemptId returns the same messages and handles', async () => {
    const url = await fifo();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'r', MessageGroupId: 'g', MessageDeduplicationId: 'r' }));
    const a = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, ReceiveRequestAttemptId: 'attempt-1' }));
    const b = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, ReceiveRequestAttemptId: 'attempt-1' }));
    assert.equal(a.Messages?.[0]?.ReceiptHandle, b.Messages?.[0]?.ReceiptHandle);
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, ReceiveRequestAttemptId: 'attempt-2' }))).Messages, undefined);
  });

  it('FIFO settings: high-throughput attributes are returned; the queue type cannot change; a FIFO source needs a FIFO DLQ', async () => {
    const url = await fifo({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
    assert.equal(a.FifoQueue, 'true');
    assert.equal(a.DeduplicationScope, 'messageGroup');
    assert.equal(a.FifoThroughputLimit, 'perMessageGroupId');
    assert.equal(a.ContentBasedDeduplication, 'false');
    // DeduplicationScope messageGroup: one id in two groups is two messages.
    const g1 = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g1', MessageDeduplicationId: 'same' }));
    const g2 = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g2', MessageDeduplicationId: 'same' }));
    assert.notEqual(g1.MessageId, g2.MessageId);
    const change = await rejection(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'false' } })));
    assert.equal(change.name, 'InvalidAttributeValue');
    const std = (await sqs.send(new CreateQueueCommand({ QueueName: 'std-dlq' }))).QueueUrl!;
    const mixed = await rejection(sqs.send(new SetQueueAttributesCommand({
      QueueUrl: url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${std.split('/').pop()}`, maxReceiveCount: 3 }) },
    })));
    assert.equal(mixed.name, 'InvalidParameterValue');
    const onStandard = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'plain', Attributes: { ContentBasedDeduplication: 'true' } })));
    assert.equal(onStandard.name, 'InvalidAttributeName');
  });
});
