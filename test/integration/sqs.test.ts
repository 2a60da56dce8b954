import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  AddPermissionCommand, ChangeMessageVisibilityBatchCommand, ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand,
  DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListDeadLetterSourceQueuesCommand, ListQueuesCommand, ListQueueTagsCommand,
  PurgeQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient, TagQueueCommand,
  UntagQueueCommand, StartMessageMoveTaskCommand, ListMessageMoveTasksCommand, CancelMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { startServer, type RunningServer } from './harness';
import { rejection, sqsClient } from './sqs-helpers';

/** The SQS API through @aws-sdk/client-sqs (JSON 1.0, MD5 checks on) against the real server on SQLite. */
describe('SQS (JSON protocol, SDK v3)', () => {
  let s: RunningServer;
  let sqs: SQSClient;
  let n = 0;
  const fresh = async (attrs: Record<string, string> = {}, suffix = '') => {
    const r = await sqs.send(new CreateQueueCommand({ QueueName: `q${++n}${suffix}`, Attributes: attrs }));
    return r.QueueUrl!;
  };
  before(async () => {
    s = await startServer();
    sqs = sqsClient(s);
  });
  after(async () => {
    sqs?.destroy();
    await s?.stop();
  });

  it('CreateQueue is idempotent with the same attributes and QueueNameExists with others; GetQueueUrl, ListQueues paging, DeleteQueue', async () => {
    const a = await sqs.send(new CreateQueueCommand({ QueueName: 'alpha', Attributes: { VisibilityTimeout: '40' } }));
    assert.equal(a.QueueUrl, `${s.endpoint}/000000000000/alpha`);
    const again = await sqs.send(new CreateQueueCommand({ QueueName: 'alpha', Attributes: { VisibilityTimeout: '40' } }));
    assert.equal(again.QueueUrl, a.QueueUrl);
    const e = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'alpha', Attributes: { VisibilityTimeout: '41' } })));
    assert.equal(e.name, 'QueueNameExists');
    assert.equal(e.Code, 'QueueAlreadyExists');
    assert.match(e.message, /different value for attribute VisibilityTimeout/);
    await sqs.send(new CreateQueueCommand({ QueueName: 'alpha2' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'alpha3' }));
    assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: 'alpha2' }))).QueueUrl, `${s.endpoint}/000000000000/alpha2`);
    const p1 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'alpha', MaxResults: 2 }));
    assert.deepEqual(p1.QueueUrls?.map((u) => u.split('/').pop()), ['alpha', 'alpha2']);
    assert.ok(p1.NextToken);
    const p2 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'alpha', MaxResults: 2, NextToken: p1.NextToken }));
    assert.deepEqual(p2.QueueUrls?.map((u) => u.split('/').pop()), ['alpha3']);
    assert.equal(p2.NextToken, undefined);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: a.QueueUrl }));
    const gone = await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: 'alpha' })));
    assert.equal(gone.name, 'QueueDoesNotExist');
    assert.equal(gone.Code, 'AWS.SimpleQueueService.NonExistentQueue');
    assert.equal(gone.$metadata?.httpStatusCode, 400);
  });

  it('refuses bad names, unknown and read-only attributes, out-of-range values and what Kumo cannot honour', async () => {
    const bad = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'has space' })));
    assert.equal(bad.name, 'InvalidParameterValue');
    const fifoName = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'x.fifo' })));
    assert.equal(fifoName.name, 'InvalidParameterValue');
    const unknown = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'u', Attributes: { Colour: 'blue' } as never })));
    assert.equal(unknown.name, 'InvalidAttributeName');
    assert.equal(unknown.message, 'Unknown Attribute Colour.');
    const range = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'u', Attributes: { VisibilityTimeout: '43201' } })));
    assert.equal(range.name, 'InvalidAttributeValue');
    assert.equal(range.message, 'Invalid value for the parameter VisibilityTimeout.');
    const policy = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'u', Attributes: { Policy: '{}' } })));
    assert.equal(policy.name, 'InvalidAttributeValue');
    assert.equal(policy.message, 'Invalid value for the parameter Policy. Reason: Syntax errors in policy.');
    const kms = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'u', Attributes: { KmsMasterKeyId: 'alias/aws/sqs' } })));
    assert.equal(kms.name, 'InvalidAttributeValue');
    assert.match(kms.message, /Kumo has no KMS/);
    const url = await fresh();
    const ro = await rejection(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { QueueArn: 'x' } as never })));
    assert.equal(ro.name, 'InvalidAttributeName');
    const missingQ = await rejection(sqs.send(new GetQueueAttributesCommand({ QueueUrl: `${s.endpoint}/000000000000/nope`, AttributeNames: ['All'] })));
    assert.equal(missingQ.name, 'QueueDoesNotExist');
    const addr = await rejection(sqs.send(new GetQueueAttributesCommand({ QueueUrl: 'not-a-url', AttributeNames: ['All'] })));
    assert.equal(addr.name, 'InvalidAddress');
    // Queue policies are enforced (queue-topic-policies.test.ts); an action only the owner may call is AWS's refusal.
    const perm = await rejection(sqs.send(new AddPermissionCommand({ QueueUrl: url, Label: 'l', AWSAccountIds: ['111122223333'], Actions: ['DeleteQueue'] })));
    assert.equal(perm.name, 'InvalidParameterValue');
    assert.equal(perm.message, 'Value SQS:DeleteQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.');
  });

  it('GetQueueAttributes: All and single names, counts, timestamps, ARN; SetQueueAttributes changes them', async () => {
    const url = await fresh({ DelaySeconds: '0' });
    const before = Math.floor(Date.now() / 1000);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '45', MessageRetentionPeriod: '120' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late', DelaySeconds: 60 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1 }));
    const all = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
    assert.equal(all.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${url.split('/').pop()}`);
    assert.equal(all.VisibilityTimeout, '45');
    assert.equal(all.MessageRetentionPeriod, '120');
    assert.equal(all.MaximumMessageSize, '1048576');
    assert.equal(all.ApproximateNumberOfMessages, '1');
    assert.equal(all.ApproximateNumberOfMessagesNotVisible, '1');
    assert.equal(all.ApproximateNumberOfMessagesDelayed, '1');
    assert.ok(Number(all.LastModifiedTimestamp) >= before - 1);
    assert.ok(Number(all.CreatedTimestamp) <= Number(all.LastModifiedTimestamp));
    const one = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }))).Attributes!;
    assert.deepEqual(one, { VisibilityTimeout: '45' });
  });

  it('SendMessage / ReceiveMessage: MD5s as AWS computes them (the SDK verifies the body), message attributes All and prefix.*, system attributes', async () => {
    const url = await fresh();
    const body = 'héllo wörld ✓';
    const attrs = {
      'trace.id': { DataType: 'String', StringValue: 'abc' },
      'trace.n': { DataType: 'Number', StringValue: '42' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
      custom: { DataType: 'String.json', StringValue: '{}' },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: attrs }));
    assert.equal(sent.MD5OfMessageBody, createHash('md5').update(body).digest('hex'));
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(attrs));
    const got = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: url, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], MaxNumberOfMessages: 10,
    }));
    const m = got.Messages![0]!;
    assert.equal(m.Body, body);
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.deepEqual(Buffer.from(m.MessageAttributes!.blob!.BinaryValue!), Buffer.from([0, 1, 2, 255]));
    assert.equal(m.MessageAttributes!['trace.n']!.StringValue, '42');
    assert.equal(m.Attributes!.ApproximateReceiveCount, '1');
    assert.ok(Number(m.Attributes!.SentTimestamp) > Date.now() - 60_000);
    assert.ok(m.Attributes!.SenderId);
    // Visible again at once, then a prefix selection of attributes.
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['trace.*'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    const m2 = again.Messages![0]!;
    assert.deepEqual(Object.keys(m2.MessageAttributes!).sort(), ['trace.id', 'trace.n']);
    assert.deepEqual(m2.Attributes, { ApproximateReceiveCount: '2' });
    assert.equal(m2.MD5OfMessageAttributes, md5OfAttributes({ 'trace.id': attrs['trace.id'], 'trace.n': attrs['trace.n'] }));
    // The old handle is stale: deleting with it succeeds but leaves the message; the new one deletes it.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m2.ReceiptHandle }));
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m2.ReceiptHandle, VisibilityTimeout: 0 })).then(
      () => assert.fail('a deleted message cannot change visibility'),
      (e: Error) => assert.equal(e.name, 'InvalidParameterValue'),
    );
    const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(none.Messages, undefined);
  });

  it('refuses invalid messages with AWS errors', async () => {
    const url = await fresh({ MaximumMessageSize: '1024' });
    const big = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })));
    assert.equal(big.name, 'InvalidParameterValue');
    assert.match(big.message, /Message must be shorter than 1024 bytes/);
    const nul = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' })));
    assert.equal(nul.name, 'InvalidMessageContents');
    const empty = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })));
    assert.equal(empty.name, 'MissingParameter');
    const many = await rejection(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
    assert.equal(many.name, 'InvalidParameterValue');
    const handle = await rejection(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })));
    assert.equal(handle.name, 'ReceiptHandleIsInvalid');
    const badAttr = await rejection(sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } },
    })));
    assert.equal(badAttr.name, 'InvalidParameterValue');
  });

  it('a long poll is woken by a send; a short poll of an empty queue answers at once', async () => {
    const url = await fresh();
    let t0 = Date.now();
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.ok(Date.now() - t0 < 1000, 'short poll');
    t0 = Date.now();
    const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await new Promise((r) => setTimeout(r, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake' }));
    const got = await poll;
    const took = Date.now() - t0;
    assert.equal(got.Messages?.[0]?.Body, 'wake');
    assert.ok(took < 3000, `woken after ${took} ms`);
    const idle = Date.now();
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    assert.equal(empty.Messages, undefined);
    assert.ok(Date.now() - idle >= 900, 'waited the wait time');
  });

  it('a received message reappears after its visibility timeout, with its receive count up', async () => {
    const url = await fresh({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const a = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(a.Messages?.length, 1);
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined, 'invisible meanwhile');
    const b = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    assert.equal(b.Messages?.[0]?.Body, 'again');
    assert.equal(b.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2');
  });

  it('batches: per-entry results and failures; EmptyBatchRequest, TooManyEntriesInBatchRequest, BatchEntryIdsNotDistinct, InvalidBatchEntryId, BatchRequestTooLong', async () => {
    const url = await fresh();
    const r = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: '' }, { Id: 'c', MessageBody: 'three', DelaySeconds: 0 }],
    }));
    assert.deepEqual(r.Successful?.map((e) => e.Id), ['a', 'c']);
    assert.equal(r.Failed?.[0]?.Id, 'b');
    assert.equal(r.Failed?.[0]?.Code, 'MissingParameter');
    assert.equal(r.Failed?.[0]?.SenderFault, true);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.equal(got.Messages?.length, 2);
    const vis = await sqs.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl: url,
      Entries: [{ Id: 'x', ReceiptHandle: got.Messages![0]!.ReceiptHandle, VisibilityTimeout: 60 }, { Id: 'y', ReceiptHandle: 'bad', VisibilityTimeout: 1 }],
    }));
    assert.deepEqual(vis.Successful?.map((e) => e.Id), ['x']);
    assert.equal(vis.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');
    const del = await sqs.send(new DeleteMessageBatchCommand({
      QueueUrl: url, Entries: got.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }));
    assert.equal(del.Successful?.length, 2);
    assert.equal((await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })))).name, 'EmptyBatchRequest');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    assert.equal((await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven })))).name, 'TooManyEntriesInBatchRequest');
    const dup = await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] })));
    assert.equal(dup.name, 'BatchEntryIdsNotDistinct');
    const badId = await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a b', MessageBody: 'x' }] })));
    assert.equal(badId.name, 'InvalidBatchEntryId');
    const long = await rejection(sqs.send(new SendMessageBatchCommand({
      QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x'.repeat(700_000) }, { Id: 'b', MessageBody: 'y'.repeat(400_000) }],
    })));
    assert.equal(long.name, 'BatchRequestTooLong');
    // A single message may be 1 MiB (AWS's limit since 2025), through the JSON protocol.
    const big = 'z'.repeat(1_048_576);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: big }));
    const tooBig = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: big + 'z' })));
    assert.equal(tooBig.name, 'InvalidParameterValue');
  });

  it('tags, PurgeQueue (once a minute: PurgeQueueInProgress), MessageNotInflight', async () => {
    const url = await fresh();
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'a', env: 'dev' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['env'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { team: 'a' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'p' }));
    const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages![0]!;
    const ni = await rejection(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 5 })));
    assert.equal(ni.name, 'MessageNotInflight');
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    assert.equal((await rejection(sqs.send(new PurgeQueueCommand({ QueueUrl: url })))).name, 'PurgeQueueInProgress');
  });

  it('RedrivePolicy: a message received more than maxReceiveCount times moves to the DLQ; ListDeadLetterSourceQueues; RedriveAllowPolicy', async () => {
    const dlq = await fresh();
    const dlqArn = `arn:aws:sqs:us-east-1:000000000000:${dlq.split('/').pop()}`;
    const src = await fresh({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }), VisibilityTimeout: '0' });
    await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: 'poison' }));
    for (let i = 1; i <= 2; i++) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      assert.equal(r.Messages?.[0]?.Attributes?.ApproximateReceiveCount, String(i));
    }
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages, undefined, 'moved on the third receive');
    const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq }));
    assert.equal(moved.Messages?.[0]?.Body, 'poison');
    const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    assert.deepEqual(sources.queueUrls, [src]);
    const noTarget = await rejection(sqs.send(new SetQueueAttributesCommand({
      QueueUrl: src, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:none', maxReceiveCount: 1 }) },
    })));
    assert.equal(noTarget.name, 'InvalidParameterValue');
    const badCount = await rejection(sqs.send(new SetQueueAttributesCommand({
      QueueUrl: src, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1001 }) },
    })));
    assert.equal(badCount.name, 'InvalidAttributeValue');
    const closed = await fresh({ RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) });
    const closedArn = `arn:aws:sqs:us-east-1:000000000000:${closed.split('/').pop()}`;
    const denied = await rejection(sqs.send(new CreateQueueCommand({
      QueueName: 'denied-src', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: closedArn, maxReceiveCount: 1 }) },
    })));
    assert.equal(denied.name, 'InvalidParameterValue');
  });

  it('message move tasks: back to the source queues (DeadLetterQueueSourceArn); list, cancel, errors', async () => {
    const dlq = await fresh();
    const dlqArn = `arn:aws:sqs:us-east-1:000000000000:${dlq.split('/').pop()}`;
    const src = await fresh({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }), VisibilityTimeout: '0' });
    const srcArn = `arn:aws:sqs:us-east-1:000000000000:${src.split('/').pop()}`;
    for (const b of ['p1', 'p2']) await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: b }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10 }));
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages, undefined);
    const inDlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'] }));
    assert.deepEqual(inDlq.Messages?.map((m) => m.Attributes?.DeadLetterQueueSourceArn), [srcArn, srcArn]);
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
    let tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    for (let i = 0; i < 50 && tasks.Results?.[0]?.Status === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    }
    assert.equal(tasks.Results?.[0]?.Status, 'COMPLETED');
    assert.equal(tasks.Results?.[0]?.ApproximateNumberOfMessagesMoved, 2);
    const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    assert.deepEqual(back.Messages?.map((m) => m.Body).sort(), ['p1', 'p2']);
    const other = await fresh();
    const notDlq = await rejection(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: `arn:aws:sqs:us-east-1:000000000000:${other.split('/').pop()}` })));
    assert.equal(notDlq.name, 'UnsupportedOperation');
    const noTask = await rejection(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'nope' })));
    assert.equal(noTask.name, 'ResourceNotFoundException');
    const noSource = await rejection(sqs.send(new ListMessageMoveTasksCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:none' })));
    assert.equal(noSource.name, 'ResourceNotFoundException');
  });

  it('DelaySeconds per queue and per message (retention expiry: the store contract, whose minimum is not 60 s)', async () => {
    const url = await fresh({ DelaySeconds: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'queue-delay' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'no-delay', DelaySeconds: 0 }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.deepEqual(first.Messages?.map((m) => m.Body), ['no-delay']);
    const later = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }));
    assert.deepEqual(later.Messages?.map((m) => m.Body), ['queue-delay']);
    const badDelay = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })));
    assert.equal(badDelay.name, 'InvalidParameterValue');
  });
});

/** AWS's MD5OfMessageAttributes, computed independently of the server's code (the documented encoding). */
function md5OfAttributes(attrs: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>): string {
  const h = createHash('md5');
  const lenPrefixed = (b: Buffer) => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length, 0);
    h.update(Buffer.concat([l, b]));
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]!;
    lenPrefixed(Buffer.from(name));
    lenPrefixed(Buffer.from(a.DataType));
    if (a.BinaryValue) {
      h.update(Buffer.from([2]));
      lenPrefixed(Buffer.from(a.BinaryValue));
    } else {
      h.update(Buffer.from([1]));
      lenPrefixed(Buffer.from(a.StringValue!));
    }
  }
  return h.digest('hex');
}
