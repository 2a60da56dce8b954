import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import {
  ConfirmSubscriptionCommand, CreateTopicCommand, DeleteTopicCommand, GetSubscriptionAttributesCommand, GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand, ListSubscriptionsCommand, ListTagsForResourceCommand, ListTopicsCommand, PublishBatchCommand,
  PublishCommand, SetSubscriptionAttributesCommand, SetTopicAttributesCommand, SubscribeCommand, TagResourceCommand,
  SNSClient, UnsubscribeCommand, UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startServer, testCreds, type RunningServer } from './harness';
import { get, recorder, snsClient, until } from './sns-helpers';

const account = '000000000000';
const arnOf = (name: string) => `arn:aws:sns:us-east-1:${account}:${name}`;

/** What the SDK throws: its name (the code's exception), status and message. */
async function rejects(p: Promise<unknown>, name: string, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });
}

/** AWS's string to sign: "Key\nValue\n" for the documented fields of the type, in order. */
function verifySignature(m: Record<string, unknown>, pem: string): boolean {
  const keys = m.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let text = '';
  for (const k of keys) if (m[k] !== undefined) text += `${k}\n${String(m[k])}\n`;
  return createVerify(m.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1').update(text).verify(pem, String(m.Signature), 'base64');
}

describe('SNS topics (AWS SDK v3 against the real server)', () => {
  let s: RunningServer;
  let sns: SNSClient;
  before(async () => {
    s = await startServer();
    sns = snsClient(s);
  });
  after(async () => {
    sns?.destroy();
    await s?.stop();
  });

  it('CreateTopic is idempotent, lists 100 a page, GetTopicAttributes shows what was set, DeleteTopic removes it', async () => {
    const a = await sns.send(new CreateTopicCommand({ Name: 'orders', Attributes: { DisplayName: 'Orders' }, Tags: [{ Key: 'team', Value: 'a' }] }));
    assert.equal(a.TopicArn, arnOf('orders'));
    const again = await sns.send(new CreateTopicCommand({ Name: 'orders' }));
    assert.equal(again.TopicArn, a.TopicArn);
    await rejects(sns.send(new CreateTopicCommand({ Name: 'orders', Attributes: { DisplayName: 'Other' } })), 'InvalidParameterException', 400,
      'Invalid parameter: Attributes Reason: Topic already exists with different attributes');
    const attrs = (await sns.send(new GetTopicAttributesCommand({ TopicArn: a.TopicArn }))).Attributes!;
    assert.equal(attrs.TopicArn, a.TopicArn);
    assert.equal(attrs.Owner, account);
    assert.equal(attrs.DisplayName, 'Orders');
    assert.equal(attrs.SubscriptionsConfirmed, '0');
    assert.equal(attrs.SubscriptionsPending, '0');
    assert.equal(attrs.SubscriptionsDeleted, '0');
    assert.equal(JSON.parse(attrs.EffectiveDeliveryPolicy!).http.defaultHealthyRetryPolicy.numRetries, 3);
    await sns.send(new SetTopicAttributesCommand({ TopicArn: a.TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Renamed' }));
    assert.equal((await sns.send(new GetTopicAttributesCommand({ TopicArn: a.TopicArn }))).Attributes!.DisplayName, 'Renamed');

    for (let i = 0; i < 101; i++) await sns.send(new CreateTopicCommand({ Name: `page-${String(i).padStart(3, '0')}` }));
    const p1 = await sns.send(new ListTopicsCommand({}));
    assert.equal(p1.Topics!.length, 100);
    assert.ok(p1.NextToken);
    const p2 = await sns.send(new ListTopicsCommand({ NextToken: p1.NextToken }));
    const all = [...p1.Topics!, ...p2.Topics!].map((t) => t.TopicArn);
    assert.equal(all.length, 102);
    assert.equal(new Set(all).size, 102);
    assert.equal(p2.NextToken, undefined);

    await sns.send(new DeleteTopicCommand({ TopicArn: a.TopicArn }));
    await sns.send(new DeleteTopicCommand({ TopicArn: a.TopicArn })); // idempotent, as AWS
    await rejects(sns.send(new GetTopicAttributesCommand({ TopicArn: a.TopicArn })), 'NotFoundException', 404, 'Topic does not exist');
  });

  it('refuses what it cannot honour by name, and bad names and attributes with AWS\'s messages', async () => {
    await rejects(sns.send(new CreateTopicCommand({ Name: 'bad name' })), 'InvalidParameterException', 400, 'Invalid parameter: Topic Name');
    await rejects(sns.send(new CreateTopicCommand({ Name: 'x'.repeat(257) })), 'InvalidParameterException', 400, 'Invalid parameter: Topic Name');
    await rejects(sns.send(new CreateTopicCommand({ Name: 'k', Attributes: { KmsMasterKeyId: 'alias/aws/sns' } })), 'InvalidParameterException', 400,
      /KmsMasterKeyId Reason: Kumo does not encrypt/);
    await rejects(sns.send(new CreateTopicCommand({ Name: 'p', Attributes: { Policy: '{}' } })), 'InvalidParameterException', 400, 'Invalid parameter: Policy Error: Syntax errors in policy.');
    await rejects(sns.send(new CreateTopicCommand({ Name: 'f', Attributes: { FifoTopic: 'true' } })), 'InvalidParameterException', 400,
      /Fifo Topic names must end with .fifo/);
    const t = await sns.send(new CreateTopicCommand({ Name: 'attrs' }));
    await rejects(sns.send(new SetTopicAttributesCommand({ TopicArn: t.TopicArn, AttributeName: 'Nope', AttributeValue: 'x' })), 'InvalidParameterException', 400,
      'Invalid parameter: AttributeName');
    await rejects(sns.send(new SetTopicAttributesCommand({ TopicArn: t.TopicArn, AttributeName: 'DeliveryPolicy', AttributeValue: '{"http":{"defaultHealthyRetryPolicy":{"numRetries":1000}}}' })),
      'InvalidParameterException', 400, /numRetries must be an integer between 0 and 100/);
    await rejects(sns.send(new GetTopicAttributesCommand({ TopicArn: 'not-an-arn' })), 'InvalidParameterException', 400, 'Invalid parameter: TopicArn');
  });

  it('tags: TagResource, UntagResource, ListTagsForResource; 50 tags at most; a missing topic is ResourceNotFound', async () => {
    const t = (await sns.send(new CreateTopicCommand({ Name: 'tagged' }))).TopicArn!;
    await sns.send(new TagResourceCommand({ ResourceArn: t, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await sns.send(new UntagResourceCommand({ ResourceArn: t, TagKeys: ['a'] }));
    assert.deepEqual((await sns.send(new ListTagsForResourceCommand({ ResourceArn: t }))).Tags, [{ Key: 'b', Value: '2' }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await rejects(sns.send(new TagResourceCommand({ ResourceArn: t, Tags: many })), 'TagLimitExceededException', 400,
      'Could not complete request: tag quota of per resource exceeded');
    assert.equal((await sns.send(new ListTagsForResourceCommand({ ResourceArn: t }))).Tags!.length, 1, 'the refused change changed nothing');
    await rejects(sns.send(new ListTagsForResourceCommand({ ResourceArn: arnOf('nope') })), 'ResourceNotFoundException', 404, 'Resource does not exist');
  });

  it('Publish and PublishBatch: checks and per-entry results; FIFO deduplication within 5 minutes', async () => {
    const t = (await sns.send(new CreateTopicCommand({ Name: 'pub' }))).TopicArn!;
    const r = await sns.send(new PublishCommand({ TopicArn: t, Message: 'hi', Subject: 'S' }));
    assert.match(r.MessageId!, /^[0-9a-f-]{36}$/);
    const viaTarget = await sns.send(new PublishCommand({ TargetArn: t, Message: 'hi' }));
    assert.ok(viaTarget.MessageId);
    await rejects(sns.send(new PublishCommand({ TopicArn: arnOf('none'), Message: 'x' })), 'NotFoundException', 404, 'Topic does not exist');
    await rejects(sns.send(new PublishCommand({ TopicArn: t, Message: 'x'.repeat(262_145) })), 'InvalidParameterException', 400, 'Invalid parameter: Message too long');
    await rejects(sns.send(new PublishCommand({ TopicArn: t, Message: 'x', Subject: 's'.repeat(101) })), 'InvalidParameterException', 400, 'Invalid parameter: Subject');
    await rejects(sns.send(new PublishCommand({ TopicArn: t, Message: '{"sqs":"a"}', MessageStructure: 'json' })), 'InvalidParameterException', 400,
      'Invalid parameter: Message Structure - No default entry in JSON message body');
    const attrs = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
    await rejects(sns.send(new PublishCommand({ TopicArn: t, Message: 'x', MessageAttributes: attrs })), 'InvalidParameterException', 400,
      /Number of message attributes \[11\] exceeds the allowed maximum \[10\]/);

    const b = await sns.send(new PublishBatchCommand({
      TopicArn: t,
      PublishBatchRequestEntries: [{ Id: 'one', Message: 'a' }, { Id: 'two', Message: '' }, { Id: 'three', Message: 'c', Subject: 'ok' }],
    }));
    assert.deepEqual(b.Successful!.map((e) => e.Id), ['one', 'three']);
    assert.deepEqual(b.Failed!.map((e) => [e.Id, e.Code, e.Message, e.SenderFault]), [['two', 'InvalidParameter', 'Invalid parameter: Empty message', true]]);
    await rejects(sns.send(new PublishBatchCommand({ TopicArn: t, PublishBatchRequestEntries: [] })), 'EmptyBatchRequestException', 400,
      'The batch request doesn\'t contain any entries.');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: 'm' }));
    await rejects(sns.send(new PublishBatchCommand({ TopicArn: t, PublishBatchRequestEntries: eleven })), 'TooManyEntriesInBatchRequestException', 400,
      'The batch request contains more entries than permissible.');
    await rejects(sns.send(new PublishBatchCommand({ TopicArn: t, PublishBatchRequestEntries: [{ Id: 'x', Message: 'a' }, { Id: 'x', Message: 'b' }] })),
      'BatchEntryIdsNotDistinctException', 400, 'Two or more batch entries in the request have the same Id.');
    await rejects(sns.send(new PublishBatchCommand({ TopicArn: t, PublishBatchRequestEntries: [{ Id: 'bad id', Message: 'a' }] })),
      'InvalidBatchEntryIdException', 400, /A batch entry id can only contain alphanumeric characters/);
    await rejects(sns.send(new PublishBatchCommand({ TopicArn: t, PublishBatchRequestEntries: [{ Id: 'a', Message: 'x'.repeat(200_000) }, { Id: 'b', Message: 'x'.repeat(100_000) }] })),
      'BatchRequestTooLongException', 400, 'The length of all the messages put together is more than the limit.');

    const f = (await sns.send(new CreateTopicCommand({ Name: 'orders.fifo', Attributes: { FifoTopic: 'true' } }))).TopicArn!;
    await rejects(sns.send(new PublishCommand({ TopicArn: f, Message: 'x' })), 'InvalidParameterException', 400,
      'Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    await rejects(sns.send(new PublishCommand({ TopicArn: f, Message: 'x', MessageGroupId: 'g' })), 'InvalidParameterException', 400,
      'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    const d1 = await sns.send(new PublishCommand({ TopicArn: f, Message: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    const d2 = await sns.send(new PublishCommand({ TopicArn: f, Message: 'y', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    assert.equal(d2.MessageId, d1.MessageId, 'a repeated deduplication id is the same message');
    assert.equal(d2.SequenceNumber, d1.SequenceNumber);
    assert.match(d1.SequenceNumber!, /^[0-9]{20}$/);
    const d3 = await sns.send(new PublishCommand({ TopicArn: f, Message: 'y', MessageGroupId: 'g', MessageDeduplicationId: 'other' }));
    assert.notEqual(d3.MessageId, d1.MessageId);
    await rejects(sns.send(new PublishCommand({ TopicArn: t, Message: 'x', MessageDeduplicationId: 'd' })), 'InvalidParameterException', 400,
      /MessageDeduplicationId parameter that is not valid for this topic type/);
  });

  it('http: confirmation handshake (SubscribeURL), signed notifications with SNS headers, retries by the delivery policy, Unsubscribe', async () => {
    const ep = await recorder();
    try {
      const t = (await sns.send(new CreateTopicCommand({
        Name: 'hooks', Attributes: { DeliveryPolicy: JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 1, maxDelayTarget: 1, numRetries: 2 } } }) },
      }))).TopicArn!;
      const sub = await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'http', Endpoint: ep.url }));
      assert.equal(sub.SubscriptionArn, 'pending confirmation');
      const [conf] = await until('the confirmation', () => ep.got, (g) => g.length >= 1);
      assert.equal(conf!.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation');
      assert.equal(conf!.headers['x-amz-sns-topic-arn'], t);
      assert.equal(conf!.json.Type, 'SubscriptionConfirmation');
      assert.match(String(conf!.json.Token), /^[0-9a-f]{128}$/);
      const pem = await get(String(conf!.json.SigningCertURL));
      assert.equal(pem.status, 200);
      assert.ok(verifySignature(conf!.json, pem.body), 'the confirmation is signed with the key SigningCertURL serves');
      const pending = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: t }));
      assert.equal(pending.Subscriptions![0]!.SubscriptionArn, 'PendingConfirmation');
      assert.equal((await sns.send(new GetTopicAttributesCommand({ TopicArn: t }))).Attributes!.SubscriptionsPending, '1');
      await rejects(sns.send(new ConfirmSubscriptionCommand({ TopicArn: t, Token: 'wrong' })), 'InvalidParameterException', 400, 'Invalid token');
      const visited = await get(String(conf!.json.SubscribeURL));
      assert.equal(visited.status, 200);
      const subArn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(visited.body)![1]!;
      assert.ok(subArn.startsWith(`${t}:`));
      // ConfirmSubscription with the same token confirms (again) too.
      assert.equal((await sns.send(new ConfirmSubscriptionCommand({ TopicArn: t, Token: String(conf!.json.Token) }))).SubscriptionArn, subArn);

      let failures = 1;
      ep.answer = (r) => (r.json.Type === 'Notification' && failures-- > 0 ? 500 : 200);
      const p = await sns.send(new PublishCommand({
        TopicArn: t, Message: 'hello', Subject: 'Greeting', MessageAttributes: { color: { DataType: 'String', StringValue: 'red' } },
      }));
      const notes = await until('the retried notification', () => ep.got.filter((g) => g.json.Type === 'Notification'), (n) => n.length >= 2);
      const n = notes[1]!;
      assert.equal(n.headers['x-amz-sns-message-type'], 'Notification');
      assert.equal(n.headers['x-amz-sns-message-id'], p.MessageId);
      assert.equal(n.headers['x-amz-sns-topic-arn'], t);
      assert.equal(n.headers['x-amz-sns-subscription-arn'], subArn);
      assert.equal(n.json.Message, 'hello');
      assert.equal(n.json.Subject, 'Greeting');
      assert.equal(n.json.MessageId, p.MessageId);
      assert.equal(n.json.SignatureVersion, '1');
      assert.deepEqual(n.json.MessageAttributes, { color: { Type: 'String', Value: 'red' } });
      assert.ok(verifySignature(n.json, pem.body));
      assert.match(String(n.json.UnsubscribeURL), /Action=Unsubscribe/);

      const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn }))).Attributes!;
      assert.equal(attrs.PendingConfirmation, 'false');
      assert.equal(attrs.Protocol, 'http');
      assert.equal(attrs.Endpoint, ep.url);
      assert.equal(JSON.parse(attrs.EffectiveDeliveryPolicy!).healthyRetryPolicy.minDelayTarget, 1);

      await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' }));
      await sns.send(new PublishCommand({ TopicArn: t, Message: 'raw body' }));
      const raw = await until('the raw delivery', () => ep.got.filter((g) => g.body === 'raw body'), (x) => x.length >= 1);
      assert.equal(raw[0]!.headers['x-amz-sns-rawdelivery'], 'true');

      await sns.send(new UnsubscribeCommand({ SubscriptionArn: subArn }));
      await rejects(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn })), 'NotFoundException', 404, 'Subscription does not exist');
      await rejects(sns.send(new UnsubscribeCommand({ SubscriptionArn: subArn })), 'NotFoundException', 404, 'Subscription does not exist');
    } finally {
      await ep.close();
    }
  });

  it('filter policies on attributes and on the message body decide which subscriptions get a message', async () => {
    const ep = await recorder();
    try {
      const t = (await sns.send(new CreateTopicCommand({ Name: 'filtered' }))).TopicArn!;
      const confirm = async (path: string, attrs: Record<string, string>) => {
        const before = ep.got.length;
        await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'http', Endpoint: `${ep.url}/${path}`, Attributes: attrs }));
        const [c] = (await until(`confirmation ${path}`, () => ep.got.slice(before), (g) => g.some((x) => x.json.Type === 'SubscriptionConfirmation')))
          .filter((x) => x.json.Type === 'SubscriptionConfirmation');
        await sns.send(new ConfirmSubscriptionCommand({ TopicArn: t, Token: String(c!.json.Token) }));
      };
      await confirm('attr', { FilterPolicy: JSON.stringify({ color: ['red', { prefix: 'bl' }], size: [{ numeric: ['>', 5] }] }) });
      await confirm('body', { FilterPolicyScope: 'MessageBody', FilterPolicy: JSON.stringify({ order: { kind: [{ 'anything-but': 'test' }] } }) });
      await rejects(sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'http', Endpoint: `${ep.url}/bad`, Attributes: { FilterPolicy: '{"a":[{"prefixx":"b"}]}' } })),
        'InvalidParameterException', 400, 'Invalid parameter: FilterPolicy: Unrecognized match type prefixx');
      const six = JSON.stringify(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, ['x']])));
      await rejects(sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'http', Endpoint: `${ep.url}/bad`, Attributes: { FilterPolicy: six } })),
        'InvalidParameterException', 400, 'Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys');
      const pub = (message: string, attrs: Record<string, [string, string]> = {}) => sns.send(new PublishCommand({
        TopicArn: t, Message: message,
        MessageAttributes: Object.fromEntries(Object.entries(attrs).map(([k, [type, v]]) => [k, { DataType: type, StringValue: v }])),
      }));
      await pub('m1', { color: ['String', 'blue'], size: ['Number', '6'] }); // attr: yes; body: not JSON, no
      await pub('m2', { color: ['String', 'green'], size: ['Number', '6'] }); // neither
      await pub(JSON.stringify({ order: { kind: 'real' } }), { color: ['String', 'red'], size: ['Number', '5'] }); // body: yes; attr: size not > 5
      await pub(JSON.stringify({ order: { kind: 'test' } })); // neither
      await pub('last', { color: ['String', 'red'], size: ['Number', '10'] }); // attr: yes (a marker: everything before it is in)
      const notes = () => ep.got.filter((g) => g.json.Type === 'Notification').map((g) => `${g.headers['x-amz-sns-subscription-arn'] ? '' : '?'}${String(g.json.Message)}`);
      await until('the marker', notes, (n) => n.includes('last'));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(notes().sort(), ['last', 'm1', JSON.stringify({ order: { kind: 'real' } })].sort());
    } finally {
      await ep.close();
    }
  });

  it('subscriptions: protocols Kumo does not deliver to are refused by name; ListSubscriptions pages all', async () => {
    const t = (await sns.send(new CreateTopicCommand({ Name: 'subs' }))).TopicArn!;
    await rejects(sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'email', Endpoint: 'a@example.com' })), 'InvalidParameterException', 400,
      'Invalid parameter: Amazon SNS does not support this protocol string: email');
    await rejects(sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'lambda', Endpoint: 'not-an-arn' })), 'InvalidParameterException', 400,
      'Invalid parameter: Lambda endpoint ARN');
    await rejects(sns.send(new SubscribeCommand({ TopicArn: arnOf('none'), Protocol: 'http', Endpoint: 'http://127.0.0.1:9/' })), 'NotFoundException', 404,
      'Topic does not exist');
    const fn = `arn:aws:lambda:us-east-1:${account}:function:target`;
    const a = await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'lambda', Endpoint: fn }));
    const b = await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'lambda', Endpoint: fn }));
    assert.equal(a.SubscriptionArn, b.SubscriptionArn, 'subscribing an endpoint twice returns its subscription');
    const all = await sns.send(new ListSubscriptionsCommand({}));
    assert.ok(all.Subscriptions!.some((x) => x.SubscriptionArn === a.SubscriptionArn && x.Protocol === 'lambda' && x.TopicArn === t));
    await rejects(sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: a.SubscriptionArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' })),
      'InvalidParameterException', 400, 'Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw message delivery attribute');
    await rejects(sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: a.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"a":[]}' })),
      'InvalidParameterException', 400, 'Invalid parameter: FilterPolicy: Empty arrays are not allowed');
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: a.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"a":["b"]}' }));
    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: a.SubscriptionArn }))).Attributes!;
    assert.equal(attrs.FilterPolicy, '{"a":["b"]}');
    assert.equal(attrs.FilterPolicyScope, 'MessageAttributes');
    await rejects(sns.send(new ConfirmSubscriptionCommand({ TopicArn: t, Token: 'x', AuthenticateOnUnsubscribe: 'true' })), 'InvalidParameterException', 400,
      /AuthenticateOnUnsubscribe Reason: Kumo does not authenticate unsubscribe requests/);
  });

  it('a request signed with the wrong secret is SignatureDoesNotMatch (403)', async () => {
    const bad = new SNSClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: { ...testCreds, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    try {
      await assert.rejects(bad.send(new ListTopicsCommand({})), (e: Error & { $metadata?: { httpStatusCode?: number }; Code?: string }) => {
        assert.equal(e.name, 'SignatureDoesNotMatch');
        assert.equal(e.$metadata?.httpStatusCode, 403);
        return true;
      });
    } finally {
      bad.destroy();
    }
  });

  it('SNS → SQS delivers the JSON envelope (and raw messages with their attributes) to a queue', async () => {
    const sqs = new SQSClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const queueArn = async (name: string) => {
        const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
        const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
        return { url, arn };
      };
      const env = await queueArn('sns-envelope');
      const raw = await queueArn('sns-raw');
      const t = (await sns.send(new CreateTopicCommand({ Name: 'to-queues' }))).TopicArn!;
      const sub = await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'sqs', Endpoint: env.arn }));
      await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'sqs', Endpoint: raw.arn, Attributes: { RawMessageDelivery: 'true' } }));
      const p = await sns.send(new PublishCommand({ TopicArn: t, Message: 'to a queue', Subject: 'Q', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } }));
      const receive = (url: string) => until(`a message in ${url}`, async () =>
        (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }))).Messages ?? [], (m) => m.length > 0);
      const [e] = await receive(env.url);
      const body = JSON.parse(e!.Body!) as Record<string, unknown>;
      assert.equal(body.Type, 'Notification');
      assert.equal(body.MessageId, p.MessageId);
      assert.equal(body.TopicArn, t);
      assert.equal(body.Subject, 'Q');
      assert.equal(body.Message, 'to a queue');
      assert.deepEqual(body.MessageAttributes, { k: { Type: 'String', Value: 'v' } });
      assert.ok(String(body.UnsubscribeURL).includes(encodeURIComponent(sub.SubscriptionArn!)));
      const [r] = await receive(raw.url);
      assert.equal(r!.Body, 'to a queue');
      assert.equal(r!.MessageAttributes?.k?.StringValue, 'v');
      // A subscription whose queue is gone: the delivery fails (permanently: the target does not exist)
      // and its RedrivePolicy moves the message, as the envelope with its attributes, to a real SQS DLQ.
      const dlq = await queueArn('sns-sub-dlq');
      await sns.send(new SubscribeCommand({
        TopicArn: t, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:sns-gone',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) },
      }));
      const p2 = await sns.send(new PublishCommand({ TopicArn: t, Message: 'undeliverable', MessageAttributes: { k: { DataType: 'String', StringValue: 'w' } } }));
      const [d] = await receive(dlq.url);
      const dead = JSON.parse(d!.Body!) as Record<string, unknown>;
      assert.equal(dead.Type, 'Notification');
      assert.equal(dead.MessageId, p2.MessageId);
      assert.equal(dead.Message, 'undeliverable');
      assert.equal(d!.MessageAttributes?.k?.StringValue, 'w');
    } finally {
      sqs.destroy();
    }
  });
});

